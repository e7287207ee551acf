namespace Backprop.Lab.Web.Tests.Bench;

/// <summary>
/// A benchmark, run only when LAB_WEB_BENCH=1 (bench/web-view.sh sets it): timings depend on the machine, so the normal
/// suite skips them and asserts no time.
/// </summary>
public sealed class BenchFactAttribute : FactAttribute
{
    public BenchFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("LAB_WEB_BENCH") != "1")
        {
            Skip = "a benchmark: set LAB_WEB_BENCH=1 (bench/web-view.sh)";
        }
    }
}
