namespace Backprop.Core.Autodiff;

/// <summary>
/// Numerical differentiation, the independent check on backprop: the central difference
/// (f(x + h) - f(x - h)) / 2h, whose error is a truncation term ~ h^2 f'''/6 plus a rounding term
/// ~ eps |f| / h.
/// </summary>
public static class FiniteDifference
{
    /// <summary>
    /// A step that balances the two error terms for smooth f of moderate size: h ~ eps^(1/3) ~ 6e-6,
    /// scaled with |x| so x + h still differs from x in enough bits.
    /// </summary>
    public static double DefaultStep(double x) => 6e-6 * Math.Max(1, Math.Abs(x));

    /// <summary>Central difference of f at x with step h (see the class remarks for its error).</summary>
    public static double Central(Func<double, double> f, double x, double h)
    {
        ArgumentNullException.ThrowIfNull(f);
        double xPlus = x + h;
        double xMinus = x - h;
        // Divide by the step actually taken: x + h rounds, and dividing by 2h would add that error.
        return (f(xPlus) - f(xMinus)) / (xPlus - xMinus);
    }

    /// <summary>Central difference with <see cref="DefaultStep"/>.</summary>
    public static double Central(Func<double, double> f, double x) => Central(f, x, DefaultStep(x));
}
