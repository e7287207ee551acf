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
/// each only tens of microseconds long). A job has more parts than threads; every participant, the caller included,
/// claims the next unclaimed part until none is left. What a part computes is fixed by the job, so the result does
/// not depend on which thread ran which part, and a helper that the OS has not scheduled yet (the machine may be
/// shared) delays nothing: the caller runs its parts. Helpers spin briefly between jobs (the products of a step follow
/// each other within microseconds), then sleep. One caller at a time: a second concurrent caller runs all its parts
/// itself and gets the same result.
/// </summary>
internal sealed class WorkerTeam
{
    private const int SpinRounds = 2000;
    private static readonly Lazy<WorkerTeam> s_shared = new(() => new WorkerTeam(Environment.ProcessorCount - 1));

    private readonly object _caller = new();
    private readonly object _signal = new();
    private IParallelWork? _work;
    private int _parts;
    private int _done;
    private int _generation;

    // High 32 bits: the generation of the job; low 32 bits: the next part to claim. One word, so a helper that
    // wakes late can never claim a part of a newer job while believing it belongs to the one it woke for.
    private long _claims;
    private Exception? _error;

    private WorkerTeam(int helpers)
    {
        Size = helpers + 1;
        for (int h = 1; h <= helpers; h++)
        {
            var thread = new Thread(HelperLoop) { IsBackground = true, Name = $"backprop-kernel-{h}" };
            thread.Start();
        }
    }

    /// <summary>The team shared by the process: one thread per core, the caller being one of them.</summary>
    public static WorkerTeam Shared => s_shared.Value;

    /// <summary>The most threads that work on one job at the same time.</summary>
    public int Size { get; }

    /// <summary>Runs parts 0..parts-1 of <paramref name="work"/>, on the calling thread and the helpers, and returns when all are done.</summary>
    public void Run(IParallelWork work, int parts)
    {
        if (parts <= 1 || Size == 1 || !Monitor.TryEnter(_caller))
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
            Volatile.Write(ref _done, 0);
            int generation;
            lock (_signal)
            {
                generation = _generation + 1;
                Volatile.Write(ref _claims, (long)generation << 32);
                Volatile.Write(ref _generation, generation);
                Monitor.PulseAll(_signal);
            }
            Participate(generation);
            var spin = new SpinWait();
            while (Volatile.Read(ref _done) < parts)
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

    private void Participate(int generation)
    {
        while (true)
        {
            long claims = Volatile.Read(ref _claims);
            int part = (int)claims;
            if ((int)(claims >> 32) != generation || part >= Volatile.Read(ref _parts))
            {
                return;
            }
            if (Interlocked.CompareExchange(ref _claims, claims + 1, claims) != claims)
            {
                continue;
            }
            try
            {
                _work!.Execute(part);
            }
            catch (Exception e)
            {
                _error = e;
            }
            Interlocked.Increment(ref _done);
        }
    }

    private void HelperLoop()
    {
        int seen = 0;
        while (true)
        {
            seen = AwaitGeneration(seen);
            Participate(seen);
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
