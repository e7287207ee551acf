using System.Runtime.ExceptionServices;

namespace Backprop.Core.Kernels;

/// <summary>One piece of a statically partitioned job: <see cref="Execute"/> runs part <c>part</c> of it.</summary>
internal interface IParallelWork
{
    void Execute(int part);
}

/// <summary>
/// Dedicated helper threads for splitting one kernel over the cores, without the allocations and scheduling of
/// Parallel.For (a training step must allocate nothing, and a deep network runs a few hundred products per step,
/// each only tens of microseconds long). Parts are numbered, and which part does what is fixed by the job, so the
/// result does not depend on which thread ran which part. Helpers spin briefly between jobs (the products of a step
/// follow each other within microseconds), then sleep. One caller at a time: a second concurrent caller runs its
/// parts itself, one after another, and gets the same result.
/// </summary>
internal sealed class WorkerTeam
{
    private const int SpinRounds = 2000;
    private static readonly Lazy<WorkerTeam> s_shared = new(() => new WorkerTeam(Environment.ProcessorCount - 1));

    private readonly object _caller = new();
    private readonly object _signal = new();
    private IParallelWork? _work;
    private int _parts;
    private int _generation;
    private int _remaining;
    private Exception? _error;

    private WorkerTeam(int helpers)
    {
        Size = helpers + 1;
        for (int h = 1; h <= helpers; h++)
        {
            int index = h;
            var thread = new Thread(() => HelperLoop(index)) { IsBackground = true, Name = $"backprop-kernel-{index}" };
            thread.Start();
        }
    }

    /// <summary>The team shared by the process: one thread per core, the caller being one of them.</summary>
    public static WorkerTeam Shared => s_shared.Value;

    /// <summary>The most parts that run at the same time.</summary>
    public int Size { get; }

    /// <summary>Runs parts 0..parts-1 of <paramref name="work"/> (part 0 on the calling thread) and returns when all are done.</summary>
    public void Run(IParallelWork work, int parts)
    {
        parts = Math.Min(parts, Size);
        if (parts <= 1 || !Monitor.TryEnter(_caller))
        {
            for (int part = 0; part < parts; part++)
            {
                work.Execute(part);
            }
            return;
        }
        try
        {
            _work = work;
            _parts = parts;
            _error = null;
            Volatile.Write(ref _remaining, parts - 1);
            lock (_signal)
            {
                Volatile.Write(ref _generation, _generation + 1);
                Monitor.PulseAll(_signal);
            }
            work.Execute(0);
            var spin = new SpinWait();
            while (Volatile.Read(ref _remaining) > 0)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
            _work = null;
            if (_error is { } error)
            {
                ExceptionDispatchInfo.Throw(error);
            }
        }
        finally
        {
            Monitor.Exit(_caller);
        }
    }

    private void HelperLoop(int index)
    {
        int seen = 0;
        while (true)
        {
            seen = AwaitGeneration(seen);
            if (index >= _parts)
            {
                continue;
            }
            try
            {
                _work!.Execute(index);
            }
            catch (Exception e)
            {
                _error = e;
            }
            Interlocked.Decrement(ref _remaining);
        }
    }

    private int AwaitGeneration(int seen)
    {
        for (int i = 0; i < SpinRounds; i++)
        {
            int generation = Volatile.Read(ref _generation);
            if (generation != seen)
            {
                return generation;
            }
            Thread.SpinWait(20);
        }
        lock (_signal)
        {
            while (_generation == seen)
            {
                Monitor.Wait(_signal);
            }
            return _generation;
        }
    }
}
