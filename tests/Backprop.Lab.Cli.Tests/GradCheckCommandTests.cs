using System.Buffers.Binary;
using System.Text.Json;
using System.Xml.Linq;
using Backprop.Tests.Shared;

namespace Backprop.Lab.Cli.Tests;

public sealed class GradCheckCommandTests : TempDirectory
{
    private static (int Exit, string Out, string Err) GradCheck(params string[] extra) =>
        LabRunner.Run(["gradcheck", LabRunner.Example("xor-tanh.json"), "--data", LabRunner.Example("xor.json"), "--threads", "2", .. extra]);

    [Fact]
    public void A_correct_network_passes_with_a_table_and_one_verdict_line()
    {
        var (exit, output, error) = GradCheck();
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        Assert.Contains("tensor   entries  checked  max rel err  mean rel err  kinks  verdict", output);
        Assert.Contains("W2            64       64", output);
        Assert.Contains("verdict  PASS", output);
    }

    [Fact]
    public void A_planted_bug_fails_with_exit_4_and_the_layer_named()
    {
        var (exit, output, _) = GradCheck("--plant", "drop-activation-derivative@2");
        Assert.Equal(4, exit);
        Assert.Contains("verdict  FAIL: layer 2 (tanh): activation derivative missing", output);
        Assert.Contains("W1: dJ/dW[1], 8 x 2 (tanh), worst entries", output);
    }

    [Fact]
    public void Json_output_follows_the_documented_schema()
    {
        var (exit, output, _) = GradCheck("--plant", "transposed-weights@2", "--json", "--worst", "2");
        Assert.Equal(4, exit);
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement root = doc.RootElement;
        Assert.Equal("full", root.GetProperty("mode").GetString());
        Assert.Equal("fail", root.GetProperty("verdict").GetString());
        Assert.Equal(1e-6, root.GetProperty("h").GetDouble());
        Assert.Equal(1e-5, root.GetProperty("bands").GetProperty("fine").GetDouble());
        JsonElement tensors = root.GetProperty("tensors");
        Assert.Equal(["W1", "b1", "W2", "b2", "W3", "b3", "x"], tensors.EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        JsonElement worst = tensors[0].GetProperty("worst");
        Assert.Equal(2, worst.GetArrayLength());
        foreach (string field in new[] { "entry", "index", "analytic", "numeric", "difference", "rel_error", "band", "status" })
        {
            Assert.True(worst[0].TryGetProperty(field, out _), field);
        }
        JsonElement first = root.GetProperty("localisation").GetProperty("findings")[0];
        Assert.Equal(2, first.GetProperty("layer").GetInt32());
        Assert.Equal("input_gradient", first.GetProperty("operation").GetString());
    }

    [Fact]
    public void The_fast_check_passes_a_correct_network_and_falls_back_on_a_bugged_one()
    {
        var (exit, output, _) = GradCheck("--fast");
        Assert.Equal(0, exit);
        Assert.Contains("fast check along a random unit direction u", output);
        var (bugExit, bugOutput, _) = GradCheck("--fast", "--plant", "loss-missing-two");
        Assert.Equal(4, bugExit);
        Assert.Contains("b3     alone:", bugOutput);
        Assert.Contains("loss (mse): gradient dJ/dyhat off by a factor of 0.5", bugOutput);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_unit_exactly_on_the_kink_of_abs_passes(bool fast)
    {
        // One abs unit with w = 1, b = 0 and input 0: z = 0 exactly, analytic and numeric both 0.
        string net = Write("abs-at-zero.json", """
            { "inputs": 1, "loss": "mse",
              "layers": [ { "units": 1, "activation": "abs", "weights": [[1]], "biases": [0] } ] }
            """);
        string data = Write("zero.json", """{ "inputs": [[0]], "targets": [[1]] }""");
        string[] extra = fast ? ["--fast"] : [];
        var (exit, output, error) = LabRunner.Run(["gradcheck", net, "--data", data, "--threads", "2", .. extra]);
        Assert.Equal("", error);
        Assert.Equal(0, exit);
        Assert.Contains("verdict  PASS", output);
        Assert.DoesNotContain("WRONG", output);
        Assert.DoesNotContain("W^T", output);
    }

    [Fact]
    public void The_sweep_prints_error_against_h_and_the_best_h()
    {
        var (exit, output, _) = GradCheck("--sweep-h", "--entry", "W1[3,2]");
        Assert.Equal(0, exit);
        Assert.Contains("W1[3,2]  analytic", output);
        Assert.Contains("1.0E-12", output);
        Assert.Contains("<- best", output);
        Assert.Contains("best h = ", output);
    }

    [Fact]
    public void The_sweep_draws_its_V_curve_into_a_png()
    {
        string file = System.IO.Path.Combine(Path, "v-curve.png");
        var (exit, output, _) = GradCheck("--sweep-h", "--entry", "W2[3,1]", "--plot", file);
        Assert.Equal(0, exit);
        Assert.Contains("best h = ", output);
        Assert.Contains($"V-curve (PNG, 1200 x 800) written to {file}", output);
        byte[] png = File.ReadAllBytes(file);
        // The PNG signature, then the IHDR chunk: width and height, big-endian, at bytes 16 and 20.
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(1200, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(800, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }

    [Fact]
    public void The_sweep_draws_its_V_curve_into_an_svg_and_json_stays_pure()
    {
        string file = System.IO.Path.Combine(Path, "v-curve.SVG");
        var (exit, output, _) = GradCheck("--sweep-h", "--entry", "W2[3,1]", "--entry", "b1[2]", "--plot", file, "--json");
        Assert.Equal(0, exit);
        using JsonDocument doc = JsonDocument.Parse(output);
        Assert.Equal(2, doc.RootElement.GetProperty("series").GetArrayLength());
        XElement svg = XDocument.Load(file).Root!;
        Assert.Equal(XName.Get("svg", "http://www.w3.org/2000/svg"), svg.Name);
        Assert.Equal("1200", svg.Attribute("width")!.Value);
        string text = string.Concat(svg.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value));
        Assert.Contains("W2[3,1]", text);
        Assert.Contains("b1[2]", text);
    }

    [Theory]
    [InlineData("v-curve.jpg", true, "give a file name ending in .png or .svg")]
    [InlineData("v-curve", true, "give a file name ending in .png or .svg")]
    [InlineData("no-such-folder/v-curve.png", true, "no-such-folder' does not exist")]
    [InlineData("v-curve.png", false, "--plot draws the step-size sweep's V-curve: use it with --sweep-h")]
    public void A_bad_plot_file_gives_exit_2_and_one_clear_message_before_any_work(string name, bool sweep, string expected)
    {
        string file = System.IO.Path.Combine(Path, name);
        var (exit, output, error) = sweep ? GradCheck("--sweep-h", "--plot", file) : GradCheck("--plot", file);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains(expected, error);
        Assert.DoesNotContain("   at ", error);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public void Float32_fails_the_float64_tuned_check_and_says_why()
    {
        var (exit, output, _) = GradCheck("--float32");
        Assert.Equal(4, exit);
        Assert.Contains("note: float32: J is rounded to 24 bits", output);
        Assert.Contains("every backward rule is right on its own", output);
    }

    [Theory]
    [InlineData("--h", "0", "--h must be a positive finite number")]
    [InlineData("--h", "-1e-6", "--h must be a positive finite number")]
    [InlineData("--h", "NaN", "--h must be a positive finite number")]
    [InlineData("--h", "Infinity", "--h must be a positive finite number")]
    [InlineData("--sample", "0", "--sample must be at least 1")]
    [InlineData("--worst", "0", "--worst must be at least 1")]
    [InlineData("--plant", "forget-everything", "--plant 'forget-everything': expected one of drop-activation-derivative")]
    [InlineData("--plant", "transposed-weights@1", "needs a square layer; layer 1 is 2 -> 8")]
    [InlineData("--plant", "shifted-delta@9", "the network has 3 layer(s)")]
    public void Bad_flags_give_exit_2_and_one_clear_message(string flag, string value, string expected)
    {
        var (exit, output, error) = GradCheck(flag, value);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains(expected, error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void A_sweep_entry_that_names_no_entry_gives_exit_2()
    {
        var (exit, _, error) = GradCheck("--sweep-h", "--entry", "W1[9,1]");
        Assert.Equal(2, exit);
        Assert.Contains("entry 'W1[9,1]': W1 is 8 x 2", error);
    }

    [Fact]
    public void A_missing_network_file_gives_exit_2()
    {
        var (exit, _, error) = LabRunner.Run("gradcheck", "no-such.json", "--data", LabRunner.Example("xor.json"));
        Assert.Equal(2, exit);
        Assert.Contains("no-such.json", error);
    }

    [Theory]
    [InlineData("--fast and --sweep-h exclude each other", "--fast", "--sweep-h", "--entry", "W1[1,1]")]
    [InlineData("--entry chooses entries for --sweep-h; give --sweep-h with it", "--entry", "W1[1,1]")]
    public void Flags_that_would_be_ignored_are_refused(string expected, params string[] flags)
    {
        var (exit, output, error) = GradCheck(flags);
        Assert.Equal(2, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Equal("", output);
    }
}
