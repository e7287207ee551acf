using Backprop.Core.Networks;

namespace Backprop.Core.Tests.Support;

/// <summary>
/// Every activation and its derivative at 256 bits (<see cref="BigFloat"/>), from power series alone: exp by Taylor
/// series after halving the argument ten times, expm1 by its own series near 0 (so tanh(1e-300) keeps every digit),
/// log1p by 2 atanh(u/(2 + u)), ln 2 and pi by arctangent series. Each activation is written in a form without
/// cancellation (identities in the comments), so the result is good to far more than the 53 bits it is compared at.
/// </summary>
internal static class ExactActivations
{
    private static readonly BigFloat Two = BigFloat.FromInteger(2);
    private static readonly BigFloat Ln2 = Two * ArcTanhSeries(BigFloat.Ratio(1, 3));
    private static readonly BigFloat Pi = BigFloat.FromInteger(16) * ArcTanSeries(BigFloat.Ratio(1, 5)) - BigFloat.FromInteger(4) * ArcTanSeries(BigFloat.Ratio(1, 239));
    private static readonly BigFloat C = Sqrt(Two / Pi);
    private static readonly BigFloat A = BigFloat.Ratio(44715, 1_000_000);

    /// <summary>phi(x) for finite x.</summary>
    public static BigFloat Value(Activation phi, double xd)
    {
        BigFloat x = BigFloat.FromDouble(xd);
        BigFloat alpha = BigFloat.FromDouble(phi.Parameter);
        switch (phi.Kind)
        {
            case ActivationKind.Identity:
                return x;
            case ActivationKind.Sigmoid:
                return Sigmoid(x);
            case ActivationKind.Tanh:
            {
                // tanh x = expm1(2x)/(expm1(2x) + 2) near 0; sign(x) (1 - e)/(1 + e), e = exp(-2|x|), beyond.
                if (x.Abs() < BigFloat.One)
                {
                    BigFloat m = ExpM1(Two * x);
                    return m / (m + Two);
                }
                BigFloat e = Exp(-Two * x.Abs());
                BigFloat t = (BigFloat.One - e) / (BigFloat.One + e);
                return x.Sign < 0 ? -t : t;
            }
            case ActivationKind.Relu:
                return x.Sign > 0 ? x : BigFloat.Zero;
            case ActivationKind.LeakyRelu:
                return x.Sign > 0 ? x : alpha * x;
            case ActivationKind.Elu:
                return x.Sign > 0 ? x : alpha * ExpM1(x);
            case ActivationKind.Softplus:
                // log(1 + e^x) = max(x, 0) + log1p(e^-|x|).
                return (x.Sign > 0 ? x : BigFloat.Zero) + LogOnePlus(Exp(-x.Abs()));
            case ActivationKind.Gelu:
                // 0.5 x (1 + tanh u) = x sigma(2u), u = c (x + a x^3).
                return x * Sigmoid(Two * C * (x + A * x * x * x));
            case ActivationKind.Abs:
                return x.Abs();
            default:
                throw new ArgumentOutOfRangeException(nameof(phi));
        }
    }

    /// <summary>phi'(x) for finite x, with PyTorch's one-sided values at kinks.</summary>
    public static BigFloat Derivative(Activation phi, double xd)
    {
        BigFloat x = BigFloat.FromDouble(xd);
        BigFloat alpha = BigFloat.FromDouble(phi.Parameter);
        switch (phi.Kind)
        {
            case ActivationKind.Identity:
                return BigFloat.One;
            case ActivationKind.Sigmoid:
                return SigmoidDerivative(x);
            case ActivationKind.Tanh:
                // 1 - tanh^2 x = 4 sigma'(2x).
                return BigFloat.FromInteger(4) * SigmoidDerivative(Two * x);
            case ActivationKind.Relu:
                return x.Sign > 0 ? BigFloat.One : BigFloat.Zero;
            case ActivationKind.LeakyRelu:
                return x.Sign > 0 ? BigFloat.One : alpha;
            case ActivationKind.Elu:
                return x.Sign > 0 ? BigFloat.One : alpha * Exp(x);
            case ActivationKind.Softplus:
                return Sigmoid(x);
            case ActivationKind.Gelu:
            {
                // d/dx x sigma(2u) = sigma(2u) + 2 x u' sigma(2u) sigma(-2u), u' = c (1 + 3a x^2).
                BigFloat u2 = Two * C * (x + A * x * x * x);
                BigFloat s = Sigmoid(u2), sMinus = Sigmoid(-u2);
                return s + Two * x * C * (BigFloat.One + BigFloat.FromInteger(3) * A * x * x) * s * sMinus;
            }
            case ActivationKind.Abs:
                return x.Sign > 0 ? BigFloat.One : x.Sign < 0 ? -BigFloat.One : BigFloat.Zero;
            default:
                throw new ArgumentOutOfRangeException(nameof(phi));
        }
    }

    /// <summary>tanh x at 256 bits.</summary>
    public static BigFloat Tanh(double x) => Value(Activation.Tanh, x);

    /// <summary>sigma(x) = 1/(1 + e^-x) for x &gt;= 0, e^x/(1 + e^x) below: only exp of arguments &lt;= 0.</summary>
    private static BigFloat Sigmoid(BigFloat x)
    {
        BigFloat e = Exp(-x.Abs());
        return x.Sign >= 0 ? BigFloat.One / (BigFloat.One + e) : e / (BigFloat.One + e);
    }

    /// <summary>sigma'(x) = e/(1 + e)^2, e = exp(-|x|).</summary>
    private static BigFloat SigmoidDerivative(BigFloat x)
    {
        BigFloat e = Exp(-x.Abs());
        BigFloat d = BigFloat.One + e;
        return e / (d * d);
    }

    /// <summary>
    /// e^x for x &lt;= 20000: x = k ln 2 + r, e^r = (e^(r/1024))^1024 by Taylor series. Below -20000 the value returned
    /// is 2^-30000, smaller than e^x and than every double by thousands of binades, so every formula above rounds to the
    /// same double with it as with e^x.
    /// </summary>
    public static BigFloat Exp(BigFloat x)
    {
        if (x.IsZero)
        {
            return BigFloat.One;
        }
        if (x < BigFloat.FromInteger(-20000))
        {
            return BigFloat.PowerOfTwo(-30000);
        }
        if (x > BigFloat.FromInteger(20000))
        {
            throw new ArgumentOutOfRangeException(nameof(x), "exp of more than 20000 is not needed");
        }
        long k = (long)Math.Round(x.ToDouble() / 0.6931471805599453);
        BigFloat r = (x - BigFloat.FromInteger(k) * Ln2).ScaleB(-10);
        BigFloat sum = BigFloat.One + ExpM1Series(r);
        for (int i = 0; i < 10; i++)
        {
            sum *= sum;
        }
        return sum.ScaleB(k);
    }

    /// <summary>e^x - 1: its own series for |x| &lt; 1/2 (no cancellation at tiny x), exp(x) - 1 beyond.</summary>
    public static BigFloat ExpM1(BigFloat x) =>
        x.Abs() < BigFloat.Ratio(1, 2) ? ExpM1Series(x) : Exp(x) - BigFloat.One;

    /// <summary>log(1 + u) = 2 atanh(u/(2 + u)) for u &gt;= 0.</summary>
    public static BigFloat LogOnePlus(BigFloat u) => Two * ArcTanhSeries(u / (Two + u));

    private static BigFloat ExpM1Series(BigFloat x)
    {
        BigFloat term = x, sum = x;
        for (int n = 2; !term.IsZero && term.Log2 > sum.Log2 - BigFloat.Bits - 8; n++)
        {
            term = term * x / BigFloat.FromInteger(n);
            sum += term;
        }
        return sum;
    }

    /// <summary>atanh s = s + s^3/3 + s^5/5 + ..., |s| &lt;= 1/2.</summary>
    private static BigFloat ArcTanhSeries(BigFloat s) => OddSeries(s, 1);

    /// <summary>atan s = s - s^3/3 + s^5/5 - ..., |s| &lt;= 1/2.</summary>
    private static BigFloat ArcTanSeries(BigFloat s) => OddSeries(s, -1);

    private static BigFloat OddSeries(BigFloat s, int sign)
    {
        if (s.IsZero)
        {
            return s;
        }
        BigFloat z = sign > 0 ? s * s : -(s * s);
        BigFloat power = s, sum = s;
        for (int n = 3; ; n += 2)
        {
            power *= z;
            BigFloat term = power / BigFloat.FromInteger(n);
            if (term.IsZero || term.Log2 < sum.Log2 - BigFloat.Bits - 8)
            {
                return sum + term;
            }
            sum += term;
        }
    }

    /// <summary>sqrt x by Newton's iteration from the double estimate (each step doubles the correct bits).</summary>
    private static BigFloat Sqrt(BigFloat x)
    {
        BigFloat y = BigFloat.FromDouble(Math.Sqrt(x.ToDouble()));
        for (int i = 0; i < 4; i++)
        {
            y = (y + x / y).ScaleB(-1);
        }
        return y;
    }
}
