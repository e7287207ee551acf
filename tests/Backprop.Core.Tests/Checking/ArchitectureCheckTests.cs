using Backprop.Core.Checking;
using Backprop.Core.Networks;
using Backprop.Core.Serialization;
using Backprop.Core.Tests.Support;

namespace Backprop.Core.Tests.Checking;

/// <summary>The checker on residual and layernorm networks: every parameter checked, gains and biases of the norms included.</summary>
public class ArchitectureCheckTests
{
    private const string ResidualFile = """
        { "inputs": 3, "architecture": "residual", "block_depth": 2, "residual_scale": "1/sqrt(L)", "norm": "layernorm",
          "layers": [ { "units": 4, "activation": "tanh" }, { "units": 4, "activation": "tanh" }, { "units": 4, "activation": "softplus" },
                      { "units": 4, "activation": "tanh" }, { "units": 4, "activation": "sigmoid", "norm_gain": [1.5, 0.5, 2, 1], "norm_bias": [0.1, -0.2, 0.3, 0] },
                      { "units": 2 } ],
          "loss": "mse", "seed": 3 }
        """;

    [Fact]
    public void A_full_check_of_a_residual_layernorm_network_file_agrees_on_every_entry()
    {
        string path = Path.Combine(Path.GetTempPath(), $"check-arch-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, ResidualFile);
        try
        {
            NetworkDefinition definition = NetworkDefinition.Load(path);
            Mlp network = definition.Build();
            var problem = new GradientProblem(network, NetworkFactory.Matrix(4, 3, 11), NetworkFactory.Matrix(4, 2, 12), 4, definition.Loss);
            GradCheckReport report = GradientChecker.Full(problem, CheckProblems.Options);

            Assert.Equal(GradCheckVerdict.Pass, report.Verdict);
            string[] expected = ["W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3", "gamma3", "beta3",
                "W4", "b4", "gamma4", "beta4", "W5", "b5", "gamma5", "beta5", "W6", "b6", "x"];
            Assert.Equal(expected, report.Tensors.Select(t => t.Name));
            Assert.All(report.Tensors, t =>
            {
                Assert.Equal(t.Size, t.Checked);
                Assert.Equal(0, t.Failures);
                Assert.True(t.MaxRelativeError <= ErrorBands.Fine, $"{t.Name}: {t.MaxRelativeError:E2}");
            });
            Assert.Contains("residual blocks 2-3, 4-5", report.Subject);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static TheoryData<int> ArchitectureIndices() => [.. Enumerable.Range(0, NetworkFactory.Architectures.Length)];

    [Theory]
    [MemberData(nameof(ArchitectureIndices))]
    public void Full_and_fast_checks_pass_for_every_architecture(int index)
    {
        Architecture architecture = NetworkFactory.Architectures[index];
        foreach (Activation phi in (Activation[])[Activation.Tanh, Activation.Relu])
        {
            GradientProblem problem = CheckProblems.Architectural(architecture, phi, seed: 40 + (ulong)index);
            GradCheckReport full = GradientChecker.Full(problem, CheckProblems.Options);
            Assert.True(full.Passed, $"{architecture} {phi}: " + string.Join("; ", full.Tensors.Where(t => !t.Verdict.Equals(GradCheckVerdict.Pass)).Select(t => $"{t.Name} {t.MaxRelativeError:E2}")));
            int norms = problem.Network.Layers.Count(l => l.Norm != Normalization.None);
            Assert.Equal(2 * problem.Network.Depth + 2 * norms + 1, full.Tensors.Count);
            GradCheckReport fast = GradientChecker.Fast(problem, CheckProblems.Options);
            Assert.True(fast.Passed, $"{architecture} {phi}: fast {fast.Verdict}");
        }
    }

    [Fact]
    public void The_fast_check_puts_the_gains_and_biases_of_the_norms_back_bit_for_bit()
    {
        GradientProblem problem = CheckProblems.Architectural(NetworkFactory.Architectures[5], Activation.Tanh, seed: 8);
        double[][] before = problem.Network.Layers.Select(l => l.NormGain.Concat(l.NormBias).ToArray()).ToArray();
        // Without the gains in the direction the whole-network directional check would miss a wrong dJ/dgamma; with
        // them in it moves them, and they must come back.
        GradientChecker.Fast(problem, CheckProblems.Options);
        Assert.Equal(before, problem.Network.Layers.Select(l => l.NormGain.Concat(l.NormBias).ToArray()).ToArray());
    }

    [Theory]
    [InlineData("gamma2[3]", TensorKind.NormGain, 2, 3)]
    [InlineData("beta12[1]", TensorKind.NormBias, 12, 1)]
    public void Norm_entries_are_parsed_and_printed_1_based(string label, TensorKind kind, int layer, int unit)
    {
        Assert.True(TensorId.TryParseEntry(label, out TensorId tensor, out int row, out int col));
        Assert.Equal((new TensorId(kind, layer), 1, unit), (tensor, row, col));
        Assert.Equal(label, tensor.Label(unit - 1, 4));
        Assert.False(TensorId.TryParseEntry(label.Replace("]", ",1]", StringComparison.Ordinal), out _, out _, out _));
    }

    [Fact]
    public void A_step_sweep_resolves_a_norm_gain_and_refuses_one_of_a_layer_without_a_norm()
    {
        GradientProblem problem = CheckProblems.Architectural(NetworkFactory.Architectures[5], Activation.Tanh, seed: 8);
        Assert.Equal((new TensorId(TensorKind.NormGain, 2), 2), StepSweep.Resolve(problem, "gamma2[3]"));
        ArgumentException e = Assert.Throws<ArgumentException>(() => StepSweep.Resolve(problem, "gamma6[1]"));
        Assert.Contains("layer 6 has no norm", e.Message);
        StepSweepResult sweep = StepSweep.Run(problem, ["beta3[2]"], CheckProblems.Options);
        Assert.True(sweep.Series[0].Best.RelativeError < 1e-7);
    }

    [Fact]
    public void The_float32_loss_computes_the_same_function_as_the_engine_for_residual_layernorm_networks()
    {
        foreach (Architecture architecture in NetworkFactory.Architectures)
        {
            GradientProblem problem = CheckProblems.Architectural(architecture, Activation.Tanh, seed: 21);
            double engine = problem.Network.ComputeLoss(problem.Inputs, problem.Targets, problem.Count, problem.Loss);
            double single = SinglePrecisionLoss.Compute(problem.Network, problem.Inputs, problem.Targets, problem.Count, problem.Loss);
            Assert.True(Math.Abs(single - engine) <= 1e-5 * Math.Abs(engine), $"{architecture}: float32 {single} against {engine}");
        }
    }
}
