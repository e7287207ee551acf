using Backprop.Core.Networks;
using Backprop.Core.Teaching;
using Backprop.Core.Tests.Support;

namespace Backprop.Core.Tests.Teaching;

/// <summary>
/// The path sum of a residual network: each skip adds paths that jump its block, the sum of all path products is
/// backprop's value, and a layernorm network, whose units are not joined by single weights, is refused.
/// </summary>
public class ResidualPathSumTests
{
    /// <summary>1 input, a stem of width 2, <paramref name="hidden"/> - 1 branch layers of width 2 in blocks, 1 output.</summary>
    private static Mlp Tiny(Architecture architecture, int hidden, Activation phi, ulong seed) =>
        NetworkFactory.Architectural(1, 2, hidden, 1, phi, architecture, new Initializer(InitializerKind.XavierNormal, SigmaB: 0.3), seed);

    private static NetworkPathSum Explain(Mlp network, string wrt) =>
        NetworkPathSum.Create(network, Loss.MeanSquaredError, [0.7], [0.2], NetworkParameter.Parse(wrt, network), limit: 10_000);

    [Theory]
    // Per block, from each unit of its input: N^k paths through the branch to the N output units, plus 1 along the skip.
    [InlineData(1, 2, 9)]   // (2 + 1)^2
    [InlineData(2, 1, 5)]   // (2^2 + 1)
    [InlineData(2, 2, 25)]  // (2^2 + 1)^2
    public void A_stem_weight_has_the_paths_of_every_branch_plus_one_per_block_and_their_sum_is_backprop(int blockDepth, int blocks, int paths)
    {
        var architecture = new Architecture { Residual = true, BlockDepth = blockDepth, ResidualScale = "0.5" };
        Mlp network = Tiny(architecture, 1 + blockDepth * blocks, Activation.Tanh, seed: 4);
        NetworkPathSum sum = Explain(network, "w11[1]");
        Assert.Equal(paths, sum.PathCount);
        Assert.Equal(paths, sum.Paths!.Count);
        Assert.Equal(sum.Backprop, sum.Value, 1e-12);
        // The plain network of the same layers has N^(hidden - 1) paths: the skips are what the others add.
        Mlp plain = Tiny(Architecture.Plain, 1 + blockDepth * blocks, Activation.Tanh, seed: 4);
        Assert.Equal(Math.Pow(2, blockDepth * blocks), Explain(plain, "w11[1]").PathCount);
    }

    [Fact]
    public void The_path_along_every_skip_multiplies_only_the_readout_weight_and_the_start()
    {
        var architecture = new Architecture { Residual = true, BlockDepth = 1, ResidualScale = "0.5" };
        Mlp network = Tiny(architecture, 3, Activation.Tanh, seed: 4);
        NetworkPathSum sum = Explain(network, "w11[1]");
        // Loss factor, w11[4] (the readout, identity), then the start: tanh'(z1[1]) and x1; no factor for the two skips.
        Assert.Contains(sum.Paths!, p => string.Join(" ", p.Factors.Select(f => f.Symbol.Text)) == "-2(y - y_hat) w11[4] tanh'(z1[1]) x1");
        Assert.All(sum.Paths!.Where(p => p.Factors.Count > 4), p => Assert.Contains(p.Factors, f => f.Symbol.Text == "alpha"));
    }

    [Theory]
    [InlineData("w21[3]")] // a weight of a block's last layer: it reaches the block's output through alpha
    [InlineData("b2[2]")]
    [InlineData("x1")]
    public void Post_form_paths_carry_the_slope_after_the_sum_and_still_add_up_to_backprop(string wrt)
    {
        var architecture = new Architecture { Residual = true, BlockDepth = 2, Form = BlockForm.Post, ResidualScale = "0.8" };
        Mlp network = Tiny(architecture, 5, Activation.Tanh, seed: 6);
        NetworkPathSum sum = Explain(network, wrt);
        Assert.Equal(sum.Backprop, sum.Value, 1e-12);
        Assert.Contains(sum.Paths!, p => p.Factors.Any(f => f.Symbol.Text.StartsWith("tanh'(u", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_layernorm_network_is_refused_with_the_reason()
    {
        Mlp network = Tiny(new Architecture { Norm = Normalization.LayerNorm }, 2, Activation.Tanh, seed: 4);
        TeachingInputException e = Assert.Throws<TeachingInputException>(() => Explain(network, "w11[1]"));
        Assert.Contains("every unit of a row feeds every other unit of it through the row's mean and variance", e.Message);
    }

    [Fact]
    public void Too_many_residual_paths_are_refused_rather_than_summarised_as_a_plain_network()
    {
        Mlp network = Tiny(new Architecture { Residual = true, BlockDepth = 1 }, 3, Activation.Tanh, seed: 4);
        var e = Assert.Throws<TeachingInputException>(() =>
            NetworkPathSum.Create(network, Loss.MeanSquaredError, [0.7], [0.2], NetworkParameter.Parse("w11[1]", network), limit: 5));
        Assert.Contains("9 paths", e.Message);
    }
}
