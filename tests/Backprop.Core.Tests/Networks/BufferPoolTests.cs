using Backprop.Core.Experiments;
using Backprop.Core.Networks;
using Backprop.Core.Randomness;

namespace Backprop.Core.Tests.Networks;

public class BufferPoolTests
{
    [Fact]
    public void Rent_gives_zeroed_arrays_of_the_exact_length_and_reuses_returned_ones()
    {
        var pool = new BufferPool(1 << 20);
        double[] a = pool.Rent(100);
        Assert.Equal(100, a.Length);
        Array.Fill(a, 3.5);
        pool.Return(a);
        Assert.Equal(800, pool.HeldBytes);

        Assert.NotSame(a, pool.Rent(99)); // lengths are exact: a 99 is not served from a 100
        double[] again = pool.Rent(100);
        Assert.Same(a, again);
        Assert.All(again, v => Assert.Equal(0.0, v));
        Assert.Equal(0, pool.HeldBytes);
        Assert.Empty(pool.Rent(0));
    }

    [Fact]
    public void A_full_pool_lets_go_of_other_lengths_first_and_never_holds_more_than_its_capacity()
    {
        var pool = new BufferPool(10_000); // 1,250 doubles
        pool.Return(new double[500]);
        pool.Return(new double[500]);
        Assert.Equal(8_000, pool.HeldBytes);
        pool.Return(new double[400]); // no room beside the two 500s: they go, the 400 stays
        Assert.Equal(3_200, pool.HeldBytes);
        pool.Return(new double[400]);
        pool.Return(new double[400]);
        Assert.Equal(9_600, pool.HeldBytes);
        pool.Return(new double[400]); // full of its own length: this one is left to the collector
        Assert.Equal(9_600, pool.HeldBytes);
        pool.Return(new double[2_000]); // larger than the whole pool: dropped, and the 400s stay
        Assert.Equal(9_600, pool.HeldBytes);
        Assert.Equal(0, new BufferPool(0).HeldBytes);
    }

    [Fact]
    public void A_network_built_from_recycled_arrays_computes_bit_for_bit_what_a_new_one_does()
    {
        var pool = new BufferPool(64 << 20);
        var specs = new[] { new LayerSpec(24, Activation.Tanh), new LayerSpec(24, Activation.Relu), new LayerSpec(5, Activation.Identity) };
        var (x, y) = Data(32, 10, 5);

        // A used network: trained, its buffers grown to 32 rows and then used at 8, every array dirty.
        var used = new Mlp(10, specs, pool);
        new Initializer(InitializerKind.XavierNormal).Initialize(used, 3);
        used.ComputeGradients(x, y, 32, Loss.MeanSquaredError);
        used.ComputeGradients(x.AsSpan(0, 80), y.AsSpan(0, 40), 8, Loss.MeanSquaredError);
        var usedArrays = used.Layers.SelectMany(l => new[] { l.Weights, l.WeightGradient }).ToHashSet();
        used.ReturnBuffers();
        Assert.True(pool.HeldBytes > 0);

        var recycled = new Mlp(10, specs, pool);
        var fresh = new Mlp(10, specs);
        Assert.Contains(recycled.Layers[0].Weights, usedArrays); // it really is built from the used network's arrays
        new Initializer(InitializerKind.XavierNormal).Initialize(recycled, 9);
        new Initializer(InitializerKind.XavierNormal).Initialize(fresh, 9);
        for (int step = 0; step < 3; step++)
        {
            double a = recycled.ComputeGradients(x, y, 32, Loss.MeanSquaredError);
            double b = fresh.ComputeGradients(x, y, 32, Loss.MeanSquaredError);
            Assert.Equal(BitConverter.DoubleToInt64Bits(b), BitConverter.DoubleToInt64Bits(a));
            for (int l = 0; l < specs.Length; l++)
            {
                Assert.Equal(fresh.Layers[l].WeightGradient, recycled.Layers[l].WeightGradient);
                Assert.Equal(fresh.Layers[l].BiasGradient, recycled.Layers[l].BiasGradient);
                Assert.True(fresh.Layers[l].Delta.SequenceEqual(recycled.Layers[l].Delta));
            }
            Assert.True(fresh.InputGradient.SequenceEqual(recycled.InputGradient));
            new Sgd(0.1).Step(recycled);
            new Sgd(0.1).Step(fresh);
        }
    }

    [Fact]
    public void A_network_that_returned_its_buffers_cannot_be_used()
    {
        var pool = new BufferPool(1 << 20);
        var network = new Mlp(4, [new LayerSpec(3, Activation.Tanh)], pool);
        var (x, y) = Data(2, 4, 3);
        network.ComputeGradients(x, y, 2, Loss.MeanSquaredError);
        network.ReturnBuffers();
        network.ReturnBuffers(); // twice is harmless: nothing goes back twice
        long held = pool.HeldBytes;
        Assert.Throws<ObjectDisposedException>(() => network.Forward(x, 2));
        Assert.Throws<ObjectDisposedException>(() => network.Backward(y));
        Assert.Empty(network.Layers[0].Weights);
        Assert.Throws<ObjectDisposedException>(() => network.Layers[0].Forward(x, 2)); // not a product over empty arrays
        Assert.Equal(held, pool.HeldBytes);
    }

    [Fact]
    public void Trials_run_one_after_another_on_recycled_buffers_give_the_results_of_a_first_run()
    {
        var small = new TrialConfig { Depth = 3, Width = 16, Dataset = "teacher", Samples = 64, BatchSize = 16, Steps = 20, RecordEvery = 5 };
        var other = small with { Depth = 5, Width = 16, Activation = "relu", BatchSize = 32, Seed = 4 };
        string first = Line(TrialRunner.Run(small));
        string between = Line(TrialRunner.Run(other));
        Assert.Equal(first, Line(TrialRunner.Run(small)));
        Assert.Equal(between, Line(TrialRunner.Run(other)));
    }

    [Theory]
    [InlineData("momentum")]
    [InlineData("adam")]
    public void Optimiser_state_from_the_pool_gives_the_results_of_new_state(string optimizer)
    {
        // Momentum's velocity and Adam's moments come from the trials' pool and go back at the end of each trial.
        var config = new TrialConfig { Depth = 3, Width = 16, Dataset = "teacher", Samples = 64, BatchSize = 16, Steps = 20, RecordEvery = 5, Optimizer = optimizer, LearningRate = 0.01 };
        string first = Line(TrialRunner.Run(config));
        Line(TrialRunner.Run(config with { Seed = 8, Optimizer = optimizer == "adam" ? "momentum" : "adam" }));
        Assert.Equal(first, Line(TrialRunner.Run(config)));
    }

    [Fact]
    public void An_optimiser_that_returned_its_state_starts_again_from_zero()
    {
        var pool = new BufferPool(1 << 20);
        var specs = new[] { new LayerSpec(6, Activation.Tanh), new LayerSpec(2, Activation.Identity) };
        var (x, y) = Data(8, 4, 2);
        Mlp Network()
        {
            var n = new Mlp(4, specs);
            new Initializer(InitializerKind.XavierNormal).Initialize(n, 2);
            return n;
        }
        Mlp reused = Network(), fresh = Network();
        var adam = new Adam(0.01) { Pool = pool };
        var warm = Network();
        for (int i = 0; i < 3; i++)
        {
            warm.ComputeGradients(x, y, 8, Loss.MeanSquaredError);
            adam.Step(warm); // dirty moments and a step count of 3
        }
        adam.ReturnBuffers();
        Assert.True(pool.HeldBytes > 0);
        var newAdam = new Adam(0.01);
        for (int i = 0; i < 3; i++)
        {
            reused.ComputeGradients(x, y, 8, Loss.MeanSquaredError);
            fresh.ComputeGradients(x, y, 8, Loss.MeanSquaredError);
            adam.Step(reused);
            newAdam.Step(fresh);
        }
        for (int l = 0; l < specs.Length; l++)
        {
            Assert.Equal(fresh.Layers[l].Weights, reused.Layers[l].Weights);
            Assert.Equal(fresh.Layers[l].Biases, reused.Layers[l].Biases);
        }
    }

    private static string Line(TrialResult r) => ResultFormat.ToJsonLine(r with { Seconds = 0 });

    private static (double[] X, double[] Y) Data(int m, int inputs, int outputs)
    {
        var rng = new Rng(5);
        double[] x = new double[m * inputs], y = new double[m * outputs];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = rng.NextNormal();
        }
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = rng.NextNormal();
        }
        return (x, y);
    }
}
