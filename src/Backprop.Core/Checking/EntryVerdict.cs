namespace Backprop.Core.Checking;

/// <summary>The judgement on one checked entry (or one directional derivative).</summary>
public enum EntryVerdict
{
    /// <summary>Relative error within the excellent or fine band.</summary>
    Pass,

    /// <summary>|a - n| below the noise floor: too small to judge, counted as a pass.</summary>
    BelowNoise,

    /// <summary>A kink was crossed between t - h and t + h, and a lies between the one-sided differences: a pass.</summary>
    KinkCrossed,

    Suspicious,

    Fail,
}

/// <summary>The verdict of a whole check: the worst of its entries, or Error when it could not run.</summary>
public enum GradCheckVerdict
{
    Pass,
    Suspicious,
    Fail,
    Error,
}
