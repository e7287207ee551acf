namespace Backprop.Core.Autodiff;

/// <summary>
/// The primitive ops and the only home of derivative rules: the smooth ones here, the kinked ones (relu, abs,
/// max, min) in Ops.Kinks.cs. Each rule computes the forward value and the local derivative side by side (a
/// <see cref="UnaryStep"/> or <see cref="BinaryStep"/>); the chain rule is written once, in
/// <see cref="Value.Backward"/>. Derived ops (in Ops.Derived.cs) are compositions of these and carry no rules
/// of their own.
/// </summary>
/// <remarks>
/// Every step is checked: a non-finite value or derivative throws <see cref="DomainException"/> naming the
/// op and its operands, because a NaN silently flowing through a lesson is worse than a clear error.
/// </remarks>
public static partial class Ops
{
    /// <summary>a + b; local derivatives 1 and 1.</summary>
    public static Value Add(Value a, Value b) => Binary("+", a, b, AddStep(a.Data, b.Data));

    // d(a+b)/da = 1, d(a+b)/db = 1
    internal static BinaryStep AddStep(double a, double b)
    {
        var step = new BinaryStep(a + b, 1, 1);
        return IsFinite(step) ? step : throw NotFinite("+", $"{Num(a)} + {Num(b)}");
    }

    /// <summary>a * b; local derivatives b and a.</summary>
    public static Value Mul(Value a, Value b) => Binary("*", a, b, MulStep(a.Data, b.Data));

    // d(ab)/da = b, d(ab)/db = a
    internal static BinaryStep MulStep(double a, double b)
    {
        var step = new BinaryStep(a * b, b, a);
        return IsFinite(step) ? step : throw NotFinite("*", $"{Num(a)} * {Num(b)}");
    }

    /// <summary>x^c for a constant exponent c, local derivative c x^(c-1); the op is named "^c", e.g. "^3" or "^-1".</summary>
    public static Value Pow(Value x, double exponent) => Unary(PowOp(exponent), x, PowStep(x.Data, exponent));

    // d(x^c)/dx = c x^(c-1)
    internal static UnaryStep PowStep(double x, double c)
    {
        // Messages are formatted only on failure (see IsFinite below).
        if (!double.IsFinite(c))
        {
            throw new DomainException(PowOp(c), $"exponent {Num(c)} is not a finite number");
        }

        if (x == 0 && c < 0)
        {
            throw new DomainException(PowOp(c), $"0^{Num(c)} is undefined (division by zero)");
        }

        // x^0.5 is sqrt(x): Math.Sqrt is correctly rounded, the C library's pow is not always (glibc's pow(x, 0.5)
        // is an ulp off sqrt(x) for about 1 x in 1200), and sqrt(x) is what a reader computes by hand.
        double y = c == 0.5 ? Math.Sqrt(x) : Math.Pow(x, c);
        if (double.IsNaN(y) && x < 0)
        {
            throw new DomainException(PowOp(c), $"({Num(x)})^{Num(c)} is undefined (a negative base needs an integer exponent)");
        }

        // c = 0 is special: the formula would give 0 * 0^-1 = NaN at x = 0, where the derivative is 0.
        double dx = c == 0 ? 0 : c * Math.Pow(x, c - 1);
        if (double.IsFinite(y) && !double.IsFinite(dx))
        {
            throw new DomainException(PowOp(c), $"the derivative of x^{Num(c)} at x = {Num(x)} is infinite");
        }

        var step = new UnaryStep(y, dx);
        return IsFinite(step) ? step : throw NotFinite(PowOp(c), $"({Num(x)})^{Num(c)}");
    }

    /// <summary>
    /// x^y with a variable exponent, for x &gt; 0 (and x = 0 with y &gt; 0); local derivatives y x^(y-1) and x^y ln x.
    /// The op is named "pow" to tell it from the constant-exponent "^c".
    /// </summary>
    public static Value Pow(Value x, Value y) => Binary("pow", x, y, VariablePowStep(x.Data, y.Data));

    // d(x^y)/dx = y x^(y-1), d(x^y)/dy = x^y ln x. Math.Pow gives the forward value, so x^y with y = 3 is
    // bit for bit x^3 of the constant-exponent op; exp(y ln x) would be off in the last bits.
    internal static BinaryStep VariablePowStep(double x, double y)
    {
        if (x < 0 || double.IsNaN(x))
        {
            throw new DomainException("pow", $"({Num(x)})^{Num(y)} with a variable exponent needs a base >= 0: d(x^y)/dy = x^y ln x has no value for x < 0");
        }

        double value = Math.Pow(x, y);
        double dx = y == 0 ? 0 : y * Math.Pow(x, y - 1);
        // At x = 0 with y > 0, x^y ln x tends to 0: the function of y is 0 on a neighbourhood of y.
        double dy = x == 0 && y > 0 ? 0 : value * Math.Log(x);
        if (x == 0 && !(y > 0 && double.IsFinite(dx)))
        {
            throw new DomainException("pow", $"0^{Num(y)} with a variable exponent has no finite derivative (it needs an exponent >= 1 at base 0)");
        }

        var step = new BinaryStep(value, dx, dy);
        return IsFinite(step) ? step : throw NotFinite("pow", $"({Num(x)})^{Num(y)}");
    }

    /// <summary>sin x; local derivative cos x.</summary>
    public static Value Sin(Value x) => Unary("sin", x, SinStep(x.Data));

    // d(sin x)/dx = cos x
    internal static UnaryStep SinStep(double x)
    {
        var step = new UnaryStep(Math.Sin(x), Math.Cos(x));
        return IsFinite(step) ? step : throw NotFinite("sin", $"sin of {Num(x)}");
    }

    /// <summary>cos x; local derivative -sin x.</summary>
    public static Value Cos(Value x) => Unary("cos", x, CosStep(x.Data));

    // d(cos x)/dx = -sin x
    internal static UnaryStep CosStep(double x)
    {
        var step = new UnaryStep(Math.Cos(x), -Math.Sin(x));
        return IsFinite(step) ? step : throw NotFinite("cos", $"cos of {Num(x)}");
    }

    /// <summary>e^x; local derivative e^x.</summary>
    public static Value Exp(Value x) => Unary("exp", x, ExpStep(x.Data));

    // d(e^x)/dx = e^x
    internal static UnaryStep ExpStep(double x)
    {
        double y = Math.Exp(x);
        var step = new UnaryStep(y, y);
        return IsFinite(step) ? step : throw NotFinite("exp", $"exp of {Num(x)}");
    }

    /// <summary>Natural log, for x &gt; 0; local derivative 1/x.</summary>
    public static Value Log(Value x) => Unary("log", x, LogStep(x.Data));

    // d(ln x)/dx = 1/x
    internal static UnaryStep LogStep(double x)
    {
        if (!(x > 0))
        {
            throw new DomainException("log", $"log of {Num(x)} is undefined (log needs a positive argument)");
        }

        var step = new UnaryStep(Math.Log(x), 1 / x);
        return IsFinite(step) ? step : throw NotFinite("log", $"log of {Num(x)}");
    }

    /// <summary>tanh x; local derivative 1 - tanh^2 x.</summary>
    public static Value Tanh(Value x) => Unary("tanh", x, TanhStep(x.Data));

    // d(tanh x)/dx = 1 - tanh^2 x
    internal static UnaryStep TanhStep(double x)
    {
        double t = Math.Tanh(x);
        var step = new UnaryStep(t, 1 - t * t);
        return IsFinite(step) ? step : throw NotFinite("tanh", $"tanh of {Num(x)}");
    }

    /// <summary>1 / (1 + e^-x), computed without overflow for any x; local derivative s(x)(1 - s(x)).</summary>
    public static Value Sigmoid(Value x) => Unary("sigmoid", x, SigmoidStep(x.Data));

    // s(x) = 1/(1+e^-x), s'(x) = s(x) s(-x). Only e^-|x| is ever computed, so nothing overflows, and
    // s(-x) is formed directly rather than as 1 - s(x), which would round to 0 for x > ~37 and lose s'.
    internal static UnaryStep SigmoidStep(double x)
    {
        double e = Math.Exp(-Math.Abs(x));
        double big = 1 / (1 + e);   // s(|x|)
        double small = e / (1 + e); // s(-|x|)
        double s = x >= 0 ? big : small;
        var step = new UnaryStep(s, big * small);
        return IsFinite(step) ? step : throw NotFinite("sigmoid", $"sigmoid of {Num(x)}");
    }

    private static string PowOp(double c) => "^" + Num(c);

    private static string Num(double x) => NumberText.Format(x);

    private static Value Unary(string op, Value x, UnaryStep step) =>
        new(step.Y, op, [x], [step.Dx], null);

    private static Value Binary(string op, Value a, Value b, BinaryStep step) =>
        new(step.Y, op, [a, b], [step.Da, step.Db], null);

    // The message is only formatted on failure: formatting doubles on every op would dominate the cost.
    private static bool IsFinite(UnaryStep s) => double.IsFinite(s.Y) && double.IsFinite(s.Dx);

    private static bool IsFinite(BinaryStep s) => double.IsFinite(s.Y) && double.IsFinite(s.Da) && double.IsFinite(s.Db);

    private static DomainException NotFinite(string op, string what) =>
        new(op, $"{what} is not a finite number (the result or its derivative overflows, or an input is not finite)");
}

/// <summary>Forward value y = f(x) and local derivative dy/dx of a one-input op.</summary>
internal readonly record struct UnaryStep(double Y, double Dx);

/// <summary>Forward value y = f(a, b) and local derivatives dy/da, dy/db of a two-input op.</summary>
internal readonly record struct BinaryStep(double Y, double Da, double Db);
