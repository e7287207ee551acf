namespace Backprop.Core.Serialization;

/// <summary>
/// Collects the problems of a file checked part by part, so a user sees every mistake at once rather than one per
/// run. Each independent part (a field, an axis, a value of an axis) is read inside <see cref="Try"/>; what it throws
/// is recorded and the check goes on with the next part.
/// </summary>
internal sealed class ProblemList
{
    /// <summary>More than this many problems are summarised in one last line.</summary>
    public const int MaxReported = 50;

    private readonly List<InputFileException> _problems = [];
    private int _dropped;

    public int Count => _problems.Count + _dropped;

    public void Add(InputFileException problem)
    {
        foreach (InputFileException p in problem.All)
        {
            if (_problems.Count < MaxReported)
            {
                _problems.Add(p);
            }
            else
            {
                _dropped++;
            }
        }
    }

    public void AddRange(IEnumerable<InputFileException> problems)
    {
        foreach (InputFileException p in problems)
        {
            Add(p);
        }
    }

    /// <summary>Runs <paramref name="read"/>; false (and the problem recorded) when it found one.</summary>
    public bool Try(Action read)
    {
        try
        {
            read();
            return true;
        }
        catch (InputFileException e)
        {
            Add(e);
            return false;
        }
    }

    /// <summary>Throws every problem recorded so far as one <see cref="InputFileException"/>.</summary>
    public void ThrowIfAny()
    {
        if (_problems.Count == 0)
        {
            return;
        }
        var all = new List<InputFileException>(_problems);
        if (_dropped > 0)
        {
            InputFileException last = _problems[^1];
            all.Add(new InputFileException(last.File, "$", $"and {_dropped} more problem{(_dropped == 1 ? "" : "s")} not listed"));
        }
        throw InputFileException.Combine(all);
    }
}
