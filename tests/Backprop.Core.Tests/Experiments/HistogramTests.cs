using System.Text.Json;
using System.Text.Json.Nodes;
using Backprop.Core.Experiments;

namespace Backprop.Core.Tests.Experiments;

/// <summary>The sign-and-magnitude histograms of trials.jsonl: bins, special values, compact JSON, and what a trial records.</summary>
public class HistogramTests
{
    private static readonly TrialConfig Small = new()
    {
        Depth = 3, Width = 16, Activation = "tanh", Dataset = "teacher", Samples = 64, BatchSize = 16, Steps = 20, RecordEvery = 10, LearningRate = 0.05,
    };

    [Fact]
    public void Edges_are_four_a_decade_from_1e_minus_40_to_1e10()
    {
        Assert.Equal(1e-40, Histogram.Edge(0));
        Assert.Equal(1.0, Histogram.Edge(160));
        Assert.Equal(1e10, Histogram.Edge(Histogram.EdgeCount - 1));
        Assert.Equal(202, Histogram.Bins);
        for (int k = 0; k < Histogram.EdgeCount; k++)
        {
            Assert.Equal(Math.Pow(10, -40 + k / 4.0), Histogram.Edge(k), Math.Pow(10, -40 + k / 4.0) * 1e-15);
            Assert.True(k == 0 || Histogram.Edge(k) > Histogram.Edge(k - 1));
        }
    }

    [Fact]
    public void Each_edge_opens_its_bin_and_the_double_below_it_is_in_the_bin_before()
    {
        for (int k = 0; k < Histogram.EdgeCount; k++)
        {
            Assert.Equal(k + 1, Histogram.Bin(Histogram.Edge(k)));
            Assert.Equal(k, Histogram.Bin(Math.BitDecrement(Histogram.Edge(k))));
        }
    }

    [Fact]
    public void A_hand_made_vector_is_counted_exactly_with_zeros_subnormals_nan_and_infinities_apart()
    {
        double sqrt10 = Histogram.Edge(162); // 10^(1/2): bin 162 is [10^(1/4), 10^(1/2)), bin 163 starts here
        double[] values =
        [
            0.0, -0.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity,
            double.Epsilon, 2.5e-310, Math.BitDecrement(1e-40), 1e-40, 1.0, Math.BitDecrement(1e10), 1e10, double.MaxValue,
            -1e-300, -2.0, -sqrt10, -Math.BitDecrement(sqrt10),
        ];
        Histogram h = new HistogramCounter().Count(values);
        Assert.Equal((2, 1, 1, 1), (h.Zero, h.Nan, h.NegInf, h.PosInf));
        // Positive: three below 1e-40 (two subnormals), 1e-40 opens bin 1, 1 opens bin 161, the largest double below 1e10
        // closes bin 200, and 1e10 and the largest double overflow.
        Assert.Equal(0, h.PosFrom);
        var positive = new Dictionary<int, int> { [0] = 3, [1] = 1, [161] = 1, [200] = 1, [201] = 2 };
        var negative = new Dictionary<int, int> { [0] = 1, [162] = 2, [163] = 1 };
        for (int bin = 0; bin < Histogram.Bins; bin++)
        {
            Assert.Equal(positive.GetValueOrDefault(bin), h.Count(negative: false, bin));
            Assert.Equal(negative.GetValueOrDefault(bin), h.Count(negative: true, bin));
        }
        Assert.Equal(Histogram.Bins, h.Pos!.Length);
        Assert.Equal(164, h.Neg!.Length); // bins 0 to 163: only the range up to the last non-empty bin
        Assert.Equal(values.Length, h.Total);
    }

    [Fact]
    public void Counts_add_up_to_the_entries_and_match_a_scan_of_the_edges()
    {
        var random = new Random(7);
        double[] values = Enumerable.Range(0, 5000).Select(i => i % 97 == 0 ? 0.0
            : (random.Next(2) == 0 ? -1 : 1) * Math.Pow(10, random.NextDouble() * 70 - 50)).ToArray();
        Histogram h = new HistogramCounter().Count(values);
        Assert.Equal(values.Length, h.Total);
        var expected = new int[2, Histogram.Bins];
        foreach (double x in values.Where(v => v != 0))
        {
            double m = Math.Abs(x);
            int bin = 0;
            while (bin < Histogram.EdgeCount && m >= Histogram.Edge(bin))
            {
                bin++;
            }
            expected[x < 0 ? 1 : 0, bin]++;
        }
        for (int bin = 0; bin < Histogram.Bins; bin++)
        {
            Assert.Equal(expected[0, bin], h.Count(negative: false, bin));
            Assert.Equal(expected[1, bin], h.Count(negative: true, bin));
        }
    }

    [Fact]
    public void Every_edge_every_power_of_two_and_every_kind_of_nan_is_counted_as_a_scan_of_the_edges_counts_it()
    {
        var values = new List<double>();
        for (int k = 0; k < Histogram.EdgeCount; k++)
        {
            values.AddRange([Histogram.Edge(k), Math.BitDecrement(Histogram.Edge(k)), Math.BitIncrement(Histogram.Edge(k))]);
        }
        for (int e = -1074; e <= 1023; e++)
        {
            values.AddRange([Math.ScaleB(1.0, e), Math.BitDecrement(Math.ScaleB(1.0, e))]);
        }
        values.AddRange([double.MaxValue, double.Epsilon, 0.0]);
        values.AddRange(values.Select(v => -v).ToList());
        // NaN payloads from the smallest to all ones, both signs.
        ulong[] nans = [0x7FF0_0000_0000_0001, 0x7FF8_0000_0000_0000, 0x7FFF_FFFF_FFFF_FFFF, 0xFFF0_0000_0000_0001, 0xFFFF_FFFF_FFFF_FFFF];
        values.AddRange(nans.Select(BitConverter.UInt64BitsToDouble));
        values.AddRange([double.PositiveInfinity, double.NegativeInfinity]);
        var counter = new HistogramCounter();
        // Every length up to a few entries: the counter's tail, after its unrolled loop, is hit for each.
        for (int length = 0; length <= 9; length++)
        {
            Assert.Equal(length, counter.Count(values.ToArray().AsSpan(values.Count - length)).Total);
        }
        Histogram h = counter.Count(values.ToArray());
        Assert.Equal(values.Count, h.Total);
        Assert.Equal((values.Count(v => v == 0), nans.Length, 1, 1), (h.Zero, h.Nan, h.NegInf, h.PosInf));
        var expected = new int[2, Histogram.Bins];
        foreach (double x in values.Where(v => v != 0 && double.IsFinite(v)))
        {
            expected[x < 0 ? 1 : 0, Scan(Math.Abs(x))]++;
        }
        for (int bin = 0; bin < Histogram.Bins; bin++)
        {
            Assert.Equal(expected[0, bin], h.Count(negative: false, bin));
            Assert.Equal(expected[1, bin], h.Count(negative: true, bin));
        }
    }

    [Fact]
    public void The_json_keeps_only_non_empty_counts_and_ranges_and_round_trips()
    {
        Histogram h = new HistogramCounter().Count([0.0, 1.0, -1.0, 2.0, double.NaN]);
        string json = JsonSerializer.Serialize(h, ResultFormat.JsonOptions);
        Assert.Equal("{\"zero\":1,\"nan\":1,\"neg_from\":161,\"neg\":[1],\"pos_from\":161,\"pos\":[1,1]}", json);
        Histogram back = JsonSerializer.Deserialize<Histogram>(json, ResultFormat.JsonOptions)!;
        Assert.Equal(json, JsonSerializer.Serialize(back, ResultFormat.JsonOptions));
        Assert.Equal(5, back.Total);
        Assert.Equal("{}", JsonSerializer.Serialize(new HistogramCounter().Count([]), ResultFormat.JsonOptions));
    }

    [Fact]
    public void A_trial_records_the_three_histograms_of_every_layer_at_every_checkpoint()
    {
        TrialResult result = TrialRunner.Run(Small);
        int[] fanIn = [16, 16, 16, 16]; // teacher inputs (input_dim 16), then width 16 three times
        int[] fanOut = [16, 16, 16, 1];
        foreach (Checkpoint c in result.Checkpoints)
        {
            foreach (LayerStats l in c.Layers)
            {
                Assert.Equal(fanIn[l.Layer - 1] * fanOut[l.Layer - 1], l.GradHist!.Total);
                Assert.Equal(Small.BatchSize * fanOut[l.Layer - 1], l.ActHist!.Total);
                Assert.Equal(Small.BatchSize * fanOut[l.Layer - 1], l.DeltaHist!.Total);
            }
        }
    }

    [Fact]
    public void A_checkpoints_gradient_histogram_counts_the_networks_weight_gradient()
    {
        TrialConfig config = Small with { Steps = 0 };
        var data = Core.Experiments.Data.Datasets.Create(config.Dataset, config.Samples, config.Width, config.InputDim, config.Seed);
        var network = TrialRunner.BuildNetwork(config, data);
        var batches = new Core.Experiments.Data.MiniBatcher(data, config.BatchSize, config.Seed);
        batches.Next();
        network.ComputeGradients(batches.Inputs, batches.Targets, batches.BatchSize, Core.Networks.Loss.MeanSquaredError);
        LayerStats first = TrialRunner.Run(config).Checkpoints[0].Layers[0];
        var counter = new HistogramCounter();
        Assert.Equal(Json(counter.Count(network.Layers[0].WeightGradient)), Json(first.GradHist!));
        Assert.Equal(Json(counter.Count(network.Layers[0].Output)), Json(first.ActHist!));
        double[] perExample = network.Layers[0].Delta.ToArray().Select(d => d * config.BatchSize).ToArray();
        Assert.Equal(Json(counter.Count(perExample)), Json(first.DeltaHist!));
    }

    /// <summary>
    /// The back-propagated error's histogram counts each example's own error: a batch of the same examples twice over
    /// (half the weight in J of each copy) has every count doubled, not each entry halved.
    /// </summary>
    [Fact]
    public void The_error_histogram_takes_the_batchs_one_over_m_out()
    {
        TrialConfig config = Small with { Steps = 0 };
        var data = Core.Experiments.Data.Datasets.For(config);
        var network = TrialRunner.BuildNetwork(config, data);
        int m = 8, n = data.InputSize;
        double[] x = data.Inputs[..(m * n)], y = data.Targets[..(m * data.OutputSize)];
        network.ComputeGradients(x, y, m, Core.Networks.Loss.MeanSquaredError);
        Histogram once = GradientStats.Measure(network, m, new HistogramCounter())[1].DeltaHist!;
        network.ComputeGradients([.. x, .. x], [.. y, .. y], 2 * m, Core.Networks.Loss.MeanSquaredError);
        Histogram twice = GradientStats.Measure(network, 2 * m, new HistogramCounter())[1].DeltaHist!;
        Assert.Equal(2 * once.Total, twice.Total);
        Assert.Equal(once.PosFrom, twice.PosFrom);
        Assert.Equal(once.Pos!.Select(c => 2 * c), twice.Pos!);
        Assert.Equal(once.Neg!.Select(c => 2 * c), twice.Neg!);
    }

    [Fact]
    public void A_schema_2_line_reads_with_no_histograms()
    {
        var node = JsonNode.Parse(ResultFormat.ToJsonLine(TrialRunner.Run(Small)))!.AsObject();
        node["schema"] = 2;
        node["summary"]!.AsObject().Remove("jacobian_init"); // nor Jacobian spectra, which came later
        node["summary"]!.AsObject().Remove("jacobian_final");
        foreach (JsonNode? c in node["checkpoints"]!.AsArray())
        {
            foreach (JsonNode? l in c!["layers"]!.AsArray())
            {
                l!.AsObject().Remove("grad_hist");
                l.AsObject().Remove("act_hist");
                l.AsObject().Remove("delta_hist");
            }
        }
        TrialResult? read = ResultFormat.FromJsonLine(node.ToJsonString(), out string? problem);
        Assert.Null(problem);
        Assert.Equal(TrialResult.CurrentSchema, read!.Schema);
        Assert.All(read.Checkpoints.SelectMany(c => c.Layers), l => Assert.Null(l.GradHist));
        Assert.DoesNotContain("_hist", ResultFormat.ToJsonLine(read), StringComparison.Ordinal);
    }

    private static int Scan(double m)
    {
        int bin = 0;
        while (bin < Histogram.EdgeCount && m >= Histogram.Edge(bin))
        {
            bin++;
        }
        return bin;
    }

    private static string Json(Histogram h) => JsonSerializer.Serialize(h, ResultFormat.JsonOptions);
}
