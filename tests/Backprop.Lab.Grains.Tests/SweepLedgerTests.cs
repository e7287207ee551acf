using System.Globalization;
using System.Text;
using Backprop.Lab.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Backprop.Lab.Grains.Tests;

public sealed class SweepLedgerTests
{
    private const string SweepId = "sweep";

    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(10);

    /// <summary>The serializer the grain's storage uses: a round trip through it is what a reactivation loads.</summary>
    private static readonly Serializer Codec = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    // ---- Submit -------------------------------------------------------------------------------------------------

    [Fact]
    public void Submit_is_idempotent_by_key()
    {
        var ledger = new SweepLedger();
        SweepSettings settings = Settings();

        Assert.Equal(2, ledger.Submit(Submissions("a", "b"), settings, last: false));
        Assert.Equal(1, ledger.Submit([new TrialSubmission("b", "other"), new TrialSubmission("c", Config("c"))], settings, last: false));
        Assert.Equal(0, ledger.Submit(Submissions("a", "b", "c"), settings, last: false));

        Assert.Equal(["a", "b", "c"], ledger.Order);
        Assert.Equal(Config("b"), ledger.Trials["b"].ConfigJson); // the first submission's configuration stays
        Assert.Equal(new SweepCounts(3, 3, 0, 0, 0, 0, 0), ledger.Counts());
        Assert.False(ledger.AllSubmitted);
    }

    [Fact]
    public void Submit_of_a_trial_in_flight_leaves_its_lease_alone()
    {
        SweepLedger ledger = NewLedger(Settings(), "a");
        TrialLease lease = Assert.Single(ledger.Lease(SweepId, "w1", 1, T0));

        Assert.Equal(0, ledger.Submit(Submissions("a"), Settings(), last: true));

        Assert.Equal(TrialStatus.Leased, ledger.Trials["a"].Status);
        Assert.True(ledger.Renew("w1", "a", lease.Attempt, 1, T0));
        Assert.True(ledger.AllSubmitted);
    }

    // ---- Lease --------------------------------------------------------------------------------------------------

    [Fact]
    public void Lease_takes_pending_trials_in_submission_order_and_numbers_attempts()
    {
        SweepLedger ledger = NewLedger(Settings(), "a", "b", "c", "d");

        List<TrialLease> first = ledger.Lease(SweepId, "w1", 2, T0);
        List<TrialLease> second = ledger.Lease(SweepId, "w2", 5, T0);

        Assert.Equal(["a", "b"], first.Select(l => l.TrialKey));
        Assert.Equal(["c", "d"], second.Select(l => l.TrialKey));
        Assert.All(first.Concat(second), l =>
        {
            Assert.Equal(1, l.Attempt);
            Assert.Equal(SweepId, l.SweepId);
            Assert.Equal(Config(l.TrialKey), l.ConfigJson);
            Assert.Equal(T0 + LeaseDuration, l.Expires);
            Assert.Equal(LeaseDuration, l.Duration);
        });
        Assert.Equal("w2", ledger.Trials["c"].Worker);

        // "c" fails and is retried: it keeps its place ahead of "e", submitted later, and takes attempt 2.
        Assert.True(ledger.Complete("w2", "c", 1, Fail("c")));
        ledger.Submit(Submissions("e"), Settings(), last: false);
        List<TrialLease> third = ledger.Lease(SweepId, "w3", 1, T0);

        TrialLease retry = Assert.Single(third);
        Assert.Equal("c", retry.TrialKey);
        Assert.Equal(2, retry.Attempt);
        Assert.Equal("e", Assert.Single(ledger.Lease(SweepId, "w3", 1, T0)).TrialKey);
        Assert.Empty(ledger.Lease(SweepId, "w3", 1, T0));
    }

    [Fact]
    public void Lease_never_has_more_than_max_in_flight_leased()
    {
        SweepLedger ledger = NewLedger(Settings(maxInFlight: 2), "a", "b", "c", "d");

        Assert.Equal(2, ledger.Lease(SweepId, "w1", 5, T0).Count);
        Assert.Empty(ledger.Lease(SweepId, "w2", 5, T0));
        Assert.Equal(2, ledger.Counts().Leased);

        Assert.True(ledger.Complete("w1", "a", 1, Ok("a")));
        Assert.Equal("c", Assert.Single(ledger.Lease(SweepId, "w2", 5, T0)).TrialKey);

        ledger.Expire(T0 + LeaseDuration); // "b" and "c" go back to pending
        Assert.Equal(["b", "c"], ledger.Lease(SweepId, "w2", 5, T0 + LeaseDuration).Select(l => l.TrialKey));
        Assert.Equal(2, ledger.Counts().Leased);
    }

    [Fact]
    public void Lease_leases_nothing_while_the_outbox_is_full()
    {
        SweepLedger ledger = NewLedger(Settings(maxRetained: 2), "a", "b", "c", "d");
        foreach (TrialLease lease in ledger.Lease(SweepId, "w1", 2, T0))
        {
            Assert.True(ledger.Complete("w1", lease.TrialKey, lease.Attempt, Ok(lease.TrialKey)));
        }

        Assert.Equal(2, ledger.Outbox.Count);
        Assert.True(ledger.HasPending);
        Assert.Empty(ledger.Lease(SweepId, "w1", 2, T0));

        Assert.Equal(1, ledger.Acknowledge(["a"]));
        // One result of room: the check is on the outbox before leasing, so both free slots are filled.
        Assert.Equal(["c", "d"], ledger.Lease(SweepId, "w1", 2, T0).Select(l => l.TrialKey));
    }

    // ---- Renew --------------------------------------------------------------------------------------------------

    [Fact]
    public void A_spare_is_leased_only_while_more_trials_are_pending_than_workers_hold_leases()
    {
        SweepLedger ledger = NewLedger(Settings(), "a", "b", "c", "d", "e", "f");
        Assert.Equal(["a", "b"], ledger.Lease(SweepId, "w1", 1, T0, spare: 1).Select(l => l.TrialKey)); // 6 pending, 1 worker
        Assert.Equal(["c", "d"], ledger.Lease(SweepId, "w2", 1, T0, spare: 1).Select(l => l.TrialKey)); // 4 pending, 2 workers
        Assert.Equal(["e"], ledger.Lease(SweepId, "w3", 1, T0, spare: 1).Select(l => l.TrialKey)); // 2 pending, 3 workers
        Assert.Empty(ledger.Lease(SweepId, "w1", 0, T0, spare: 1)); // the last trial is left for a worker with a free thread
        Assert.Equal(["f"], ledger.Lease(SweepId, "w4", 1, T0, spare: 1).Select(l => l.TrialKey));
    }

    [Fact]
    public void Renew_by_the_holder_extends_the_lease_and_records_the_step()
    {
        SweepLedger ledger = NewLedger(Settings(), "a");
        TrialLease lease = Assert.Single(ledger.Lease(SweepId, "w1", 1, T0));
        DateTime later = T0 + TimeSpan.FromSeconds(7);

        Assert.True(ledger.Renew("w1", "a", lease.Attempt, 42, later));

        Assert.Equal(later + LeaseDuration, ledger.Trials["a"].Expires);
        Assert.Equal(new RunningTrial("a", 1, "w1", 42), Assert.Single(ledger.Running()));
        Assert.Empty(ledger.Expire(T0 + LeaseDuration)); // the original term has run out, the renewed one has not
    }

    [Fact]
    public void Renew_by_another_worker_or_a_stale_attempt_returns_false_and_does_not_extend()
    {
        SweepLedger ledger = NewLedger(Settings(), "a");
        Assert.Single(ledger.Lease(SweepId, "w1", 1, T0));
        ledger.Expire(T0 + LeaseDuration);
        TrialLease current = Assert.Single(ledger.Lease(SweepId, "w2", 1, T0 + LeaseDuration));
        Assert.Equal(2, current.Attempt);
        ledger.Renew("w2", "a", 2, 5, T0 + LeaseDuration);
        DateTime expires = ledger.Trials["a"].Expires;
        DateTime later = T0 + LeaseDuration + TimeSpan.FromSeconds(5);

        Assert.False(ledger.Renew("w1", "a", 1, 9, later)); // the expired attempt
        Assert.False(ledger.Renew("w1", "a", 2, 9, later)); // the current attempt, the wrong worker
        Assert.False(ledger.Renew("w2", "a", 1, 9, later)); // the right worker, a stale attempt
        Assert.False(ledger.Renew("w2", "a", 3, 9, later)); // an attempt not leased yet
        Assert.False(ledger.Renew("w2", "x", 2, 9, later)); // an unknown trial

        Assert.Equal(expires, ledger.Trials["a"].Expires);
        Assert.Equal(5, ledger.Trials["a"].Step);
        Assert.Equal(["a"], ledger.Expire(expires).ToArray());
    }

    [Fact]
    public void Renew_after_completion_returns_false()
    {
        SweepLedger ledger = NewLedger(Settings(), "a");
        TrialLease lease = Assert.Single(ledger.Lease(SweepId, "w1", 1, T0));
        Assert.True(ledger.Complete("w1", "a", lease.Attempt, Ok("a")));

        Assert.False(ledger.Renew("w1", "a", lease.Attempt, 1, T0));
        ledger.Acknowledge(["a"]);
        Assert.False(ledger.Renew("w1", "a", lease.Attempt, 1, T0));
    }

    // ---- Expire and Extend --------------------------------------------------------------------------------------

    [Fact]
    public void Expire_returns_an_unrenewed_lease_to_pending_and_counts_a_restart()
    {
        SweepLedger ledger = NewLedger(Settings(), "a", "b");
        ledger.Lease(SweepId, "w1", 2, T0);
        Assert.True(ledger.Renew("w1", "b", 1, 1, T0 + TimeSpan.FromSeconds(5)));

        Assert.Empty(ledger.Expire(T0 + LeaseDuration - TimeSpan.FromTicks(1)));
        Assert.Equal(["a"], ledger.Expire(T0 + LeaseDuration).ToArray());

        Assert.Equal(TrialStatus.Pending, ledger.Trials["a"].Status);
        Assert.Equal(TrialStatus.Leased, ledger.Trials["b"].Status);
        Assert.Equal(new SweepCounts(2, 1, 1, 0, 0, 1, 0), ledger.Counts());
        Assert.Empty(ledger.Outbox);
        Assert.Equal(2, Assert.Single(ledger.Lease(SweepId, "w2", 1, T0 + LeaseDuration)).Attempt);
    }

    [Fact]
    public void Expire_after_max_attempts_fails_the_trial_with_an_empty_result()
    {
        SweepLedger ledger = NewLedger(Settings(maxAttempts: 2), "a");
        DateTime now = T0;
        for (int attempt = 1; attempt <= 2; attempt++)
        {
            Assert.Equal(attempt, Assert.Single(ledger.Lease(SweepId, "w1", 1, now)).Attempt);
            now += LeaseDuration;
            Assert.Equal(["a"], ledger.Expire(now).ToArray());
        }

        Assert.Equal(TrialStatus.Failed, ledger.Trials["a"].Status);
        Assert.Equal(new CompletedTrial(1, "a", true, ""), Assert.Single(ledger.Outbox));
        Assert.Equal(new SweepCounts(1, 0, 0, 0, 1, 2, 1), ledger.Counts());
        Assert.Empty(ledger.Lease(SweepId, "w1", 1, now));
        Assert.False(ledger.Complete("w1", "a", 2, Ok("a"))); // a late result of a failed trial is ignored
    }

    [Fact]
    public void Extend_gives_every_lease_a_full_term_from_now()
    {
        SweepLedger ledger = NewLedger(Settings(), "a", "b", "c");
        ledger.Lease(SweepId, "w1", 2, T0);
        DateTime loaded = T0 + TimeSpan.FromMinutes(5);
        Assert.True(ledger.Renew("w1", "b", 1, 3, loaded + TimeSpan.FromSeconds(5)));

        ledger.Extend(loaded);

        Assert.Equal(loaded + LeaseDuration, ledger.Trials["a"].Expires);
        Assert.Equal(loaded + TimeSpan.FromSeconds(5) + LeaseDuration, ledger.Trials["b"].Expires); // not shortened
        Assert.Equal(default, ledger.Trials["c"].Expires);
        Assert.Empty(ledger.Expire(loaded + LeaseDuration - TimeSpan.FromTicks(1)));
        Assert.Equal(["a"], ledger.Expire(loaded + LeaseDuration).ToArray());
    }

    // ---- Complete -----------------------------------------------------------------------------------------------

    [Fact]
    public void Failure_is_retried_until_max_attempts_then_failed_with_its_result_in_the_outbox()
    {
        SweepLedger ledger = NewLedger(Settings(maxAttempts: 3), "a");

        for (int attempt = 1; attempt <= 2; attempt++)
        {
            TrialLease lease = Assert.Single(ledger.Lease(SweepId, "w1", 1, T0));
            Assert.Equal(attempt, lease.Attempt);
            Assert.True(ledger.Complete("w1", "a", attempt, Fail("a")));
            Assert.Equal(TrialStatus.Pending, ledger.Trials["a"].Status);
            Assert.Empty(ledger.Outbox);
            Assert.Equal(attempt, ledger.Counts().Restarts);
        }
        TrialLease last = Assert.Single(ledger.Lease(SweepId, "w2", 1, T0));
        Assert.True(ledger.Complete("w2", "a", last.Attempt, Fail("a")));

        Assert.Equal(TrialStatus.Failed, ledger.Trials["a"].Status);
        Assert.Equal(new CompletedTrial(1, "a", true, Fail("a").ResultJson), Assert.Single(ledger.Outbox));
        Assert.Equal(new SweepCounts(1, 0, 0, 0, 1, 2, 1), ledger.Counts());
        Assert.False(ledger.Complete("w2", "a", last.Attempt, Fail("a")));
        Assert.Single(ledger.Outbox);
    }

    [Fact]
    public void Stale_completion_after_the_lease_expired_and_was_leased_again_is_counted_once()
    {
        SweepLedger ledger = NewLedger(Settings(), "a");
        Assert.Single(ledger.Lease(SweepId, "w1", 1, T0));
        ledger.Expire(T0 + LeaseDuration);
        TrialLease second = Assert.Single(ledger.Lease(SweepId, "w2", 1, T0 + LeaseDuration));

        Assert.True(ledger.Complete("w1", "a", 1, Ok("a"))); // the old attempt's result is as good as any
        Assert.False(ledger.Renew("w2", "a", second.Attempt, 1, T0 + LeaseDuration));
        Assert.False(ledger.Complete("w2", "a", second.Attempt, Ok("a")));
        Assert.False(ledger.Complete("w1", "a", 1, Ok("a")));

        Assert.Equal(new CompletedTrial(1, "a", false, Ok("a").ResultJson), Assert.Single(ledger.Outbox));
        Assert.Equal(new SweepCounts(1, 0, 0, 1, 0, 1, 1), ledger.Counts());
        Assert.Empty(ledger.Running());
    }

    [Fact]
    public void Stale_completion_of_a_pending_trial_completes_it()
    {
        SweepLedger ledger = NewLedger(Settings(), "a", "b");
        ledger.Lease(SweepId, "w1", 1, T0);
        ledger.Expire(T0 + LeaseDuration);

        Assert.True(ledger.Complete("w1", "a", 1, Ok("a")));

        Assert.Equal(TrialStatus.Done, ledger.Trials["a"].Status);
        Assert.Equal("b", Assert.Single(ledger.Lease(SweepId, "w1", 2, T0 + LeaseDuration)).TrialKey);
    }

    [Fact]
    public void Stale_failure_is_ignored()
    {
        SweepLedger ledger = NewLedger(Settings(maxAttempts: 3), "a");
        Assert.Single(ledger.Lease(SweepId, "w1", 1, T0));
        ledger.Expire(T0 + LeaseDuration);

        Assert.False(ledger.Complete("w1", "a", 1, Fail("a"))); // pending: nobody holds it
        TrialLease second = Assert.Single(ledger.Lease(SweepId, "w2", 1, T0 + LeaseDuration));
        Assert.False(ledger.Complete("w1", "a", 1, Fail("a"))); // an old attempt
        Assert.False(ledger.Complete("w1", "a", second.Attempt, Fail("a"))); // the current attempt, another worker

        LedgerEntry entry = ledger.Trials["a"];
        Assert.Equal(TrialStatus.Leased, entry.Status);
        Assert.Equal(2, entry.Attempts);
        Assert.Equal("w2", entry.Worker);
        Assert.Equal(1, ledger.Counts().Restarts);
        Assert.Empty(ledger.Outbox);
        Assert.True(ledger.Complete("w2", "a", second.Attempt, Ok("a")));
    }

    [Fact]
    public void Completion_of_a_done_or_forgotten_trial_is_ignored()
    {
        SweepLedger ledger = NewLedger(Settings(), "a");
        TrialLease lease = Assert.Single(ledger.Lease(SweepId, "w1", 1, T0));
        Assert.True(ledger.Complete("w1", "a", lease.Attempt, Ok("a")));

        Assert.False(ledger.Complete("w1", "a", lease.Attempt, Ok("a")));
        Assert.False(ledger.Complete("w1", "a", lease.Attempt, Fail("a")));
        Assert.Single(ledger.Outbox);

        Assert.Equal(1, ledger.Acknowledge(["a"]));
        Assert.False(ledger.Complete("w1", "a", lease.Attempt, Ok("a")));
        Assert.False(ledger.Complete("w1", "never", 1, Ok("never")));

        Assert.Empty(ledger.Trials);
        Assert.Empty(ledger.Outbox);
        Assert.Equal(new SweepCounts(1, 0, 0, 1, 0, 0, 0), ledger.Counts());
    }

    // ---- Acknowledge and Finished -------------------------------------------------------------------------------

    [Fact]
    public void Acknowledge_forgets_saved_trials_but_keeps_their_counts()
    {
        SweepLedger ledger = NewLedger(Settings(maxAttempts: 1), "a", "b", "c", "d");
        ledger.Lease(SweepId, "w1", 3, T0);
        Assert.True(ledger.Complete("w1", "a", 1, Ok("a")));
        Assert.True(ledger.Complete("w1", "b", 1, Fail("b")));
        Assert.True(ledger.Complete("w1", "c", 1, Ok("c")));
        Assert.Equal(new SweepCounts(4, 1, 0, 2, 1, 0, 3), ledger.Counts());

        // "d" is pending and "x" unknown: neither is touched.
        Assert.Equal(2, ledger.Acknowledge(["a", "b", "d", "x"]));

        Assert.Equal(["c", "d"], ledger.Trials.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["c", "d"], ledger.Order);
        Assert.Equal("c", Assert.Single(ledger.Outbox).TrialKey);
        Assert.Equal(1, ledger.ForgottenDone);
        Assert.Equal(1, ledger.ForgottenFailed);
        Assert.Equal(new SweepCounts(4, 1, 0, 2, 1, 0, 1), ledger.Counts());

        Assert.Equal(0, ledger.Acknowledge(["a", "b"])); // acknowledged twice: counted once
        Assert.Equal(new SweepCounts(4, 1, 0, 2, 1, 0, 1), ledger.Counts());
        Assert.Equal("d", Assert.Single(ledger.Lease(SweepId, "w1", 1, T0)).TrialKey);
    }

    [Fact]
    public void Finished_only_when_all_submitted_all_finished_and_the_outbox_empty()
    {
        var ledger = new SweepLedger();
        Assert.False(ledger.Finished);
        ledger.Submit(Submissions("a", "b"), Settings(maxAttempts: 1), last: false);
        ledger.Lease(SweepId, "w1", 2, T0);
        Assert.True(ledger.Complete("w1", "a", 1, Ok("a")));
        Assert.True(ledger.Complete("w1", "b", 1, Fail("b")));
        ledger.Acknowledge(["a", "b"]);
        Assert.False(ledger.Finished); // everything so far is saved, but more may come

        ledger.Submit(Submissions("c"), Settings(maxAttempts: 1), last: true);
        Assert.False(ledger.Finished);
        Assert.Single(ledger.Lease(SweepId, "w1", 1, T0));
        Assert.False(ledger.Finished);
        Assert.True(ledger.Complete("w1", "c", 1, Ok("c")));
        Assert.False(ledger.Finished); // the result waits in the outbox
        ledger.Acknowledge(["c"]);

        Assert.True(ledger.Finished);
        Assert.Equal(new SweepCounts(3, 0, 0, 2, 1, 0, 0), ledger.Counts());
    }

    [Fact]
    public void Serializer_round_trip_keeps_every_member()
    {
        SweepLedger ledger = NewLedger(Settings(maxAttempts: 2, maxInFlight: 7, maxRetained: 9), "a", "b", "c", "d", "e");
        ledger.Lease(SweepId, "w1", 3, T0);
        Assert.True(ledger.Renew("w1", "b", 1, 12, T0 + TimeSpan.FromSeconds(1)));
        Assert.True(ledger.Complete("w1", "a", 1, Ok("a")));
        Assert.True(ledger.Complete("w1", "c", 1, Fail("c")));
        Assert.Equal("c", ledger.Lease(SweepId, "w2", 1, T0)[0].TrialKey);
        Assert.True(ledger.Complete("w2", "c", 2, Fail("c")));
        Assert.True(ledger.Complete("w3", "d", 1, Ok("d")));
        Assert.Equal(2, ledger.Acknowledge(["a", "c"]));
        ledger.Submit([], ledger.Settings, last: true);
        Assert.Equal(new SweepCounts(5, 1, 1, 2, 1, 1, 1), ledger.Counts());

        SweepLedger copy = Load(Codec.SerializeToArray(ledger));

        Assert.NotSame(ledger.Trials, copy.Trials);
        Assert.Equal(Describe(ledger), Describe(copy));
        Assert.Equal(ledger.Counts(), copy.Counts());
    }

    // ---- Random interleavings -----------------------------------------------------------------------------------

    /// <summary>Seeds; one run in three also loses writes (a reactivation loads an older stored ledger).</summary>
    public static TheoryData<int, bool> Seeds
    {
        get
        {
            var seeds = new TheoryData<int, bool>();
            for (int seed = 1; seed <= 40; seed++)
            {
                seeds.Add(seed, seed % 3 == 0);
            }
            return seeds;
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_interleavings_keep_the_ledger_consistent_and_every_trial_saved_once(int seed, bool lostWrites)
    {
        var simulation = new Simulation(seed, lostWrites);
        simulation.RunWithFaults(1000 + seed * 53 % 2000); // the shorter runs stop with trials in flight
        simulation.RunToCompletion();
        simulation.AssertOutcome();
    }

    /// <summary>
    /// A sweep of <see cref="TrialCount"/> trials run by a simulated cluster against one ledger, with a simulated clock
    /// and client. The workers and the client act only on what the ledger's methods return; the checks also read its state.
    /// </summary>
    private sealed class Simulation
    {
        private const int TrialCount = 60;
        private const int Window = 12;

        private readonly Random _random;
        private readonly SweepSettings _settings;
        private readonly string[] _keys;
        private readonly HashSet<string> _alwaysFail = new(StringComparer.Ordinal);
        private readonly List<Worker> _workers = [];
        private SweepLedger _ledger = new();
        private DateTime _now = T0;
        private int _workersStarted;
        private int _expectedRestarts;

        // The stored states a reactivation can load: the last is the newest write; an older one is a lost write.
        private readonly List<byte[]> _stored = [];
        private readonly bool _lostWrites;
        private bool _rolledBack;

        // The client: a cursor into the sweep, what it submitted, and one record per trial saved.
        private int _cursor;
        private bool _sentLast;
        private readonly HashSet<string> _submitted = new(StringComparer.Ordinal);
        private readonly Dictionary<string, CompletedTrial> _saved = new(StringComparer.Ordinal);
        private readonly List<string> _toAcknowledge = [];
        private readonly HashSet<string> _acknowledged = new(StringComparer.Ordinal);
        private long _readUpTo;

        // Facts for the checks: the sequence number each trial's result was first read under, and the trials the
        // ledger failed because their leases ran out MaxAttempts times.
        private readonly Dictionary<string, long> _sequenceOf = new(StringComparer.Ordinal);
        private readonly HashSet<string> _lost = new(StringComparer.Ordinal);

        public Simulation(int seed, bool lostWrites)
        {
            _random = new Random(seed);
            _lostWrites = lostWrites;
            _settings = new SweepSettings(
                MaxAttempts: _random.Next(2, 5),
                LeaseDuration,
                MaxInFlight: _random.Next(2, 7),
                MaxRetained: _random.Next(2, 10));
            _keys = Enumerable.Range(0, TrialCount).Select(i => $"t{i:D2}").ToArray();
            for (int i = 0; i < TrialCount; i++)
            {
                if (i % 7 == 3)
                {
                    _alwaysFail.Add(_keys[i]);
                }
            }
            for (int i = 0; i < 3; i++)
            {
                StartWorker();
            }
        }

        private IEnumerable<Worker> Alive => _workers.Where(w => !w.Dead);

        /// <summary>Random steps until the sweep is finished and saved, or <paramref name="steps"/> have run.</summary>
        public void RunWithFaults(int steps)
        {
            for (int step = 0; step < steps && !(_ledger.Finished && ClientDone); step++)
            {
                int dice = _random.Next(1000);
                if (dice < 170)
                {
                    LeaseByRandomWorker();
                }
                else if (dice < 350)
                {
                    RenewByHolder();
                }
                else if (dice < 400)
                {
                    RenewByWrongHolder();
                }
                else if (dice < 500)
                {
                    CompleteByHolder();
                }
                else if (dice < 550)
                {
                    CompleteAgain();
                }
                else if (dice < 650)
                {
                    _now += TimeSpan.FromMilliseconds(_random.Next(0, (int)(LeaseDuration.TotalMilliseconds * 0.4)));
                }
                else if (dice < 730)
                {
                    Expire();
                }
                else if (dice < 820)
                {
                    ClientSubmit();
                    ClientRead();
                }
                else if (dice < 880)
                {
                    ClientAcknowledge(all: false);
                }
                else if (dice < 900)
                {
                    ClientSubmitAgain();
                }
                else if (dice < 910)
                {
                    AcknowledgeUnfinished();
                }
                else if (dice < 925)
                {
                    KillWorker();
                }
                else if (dice < 990)
                {
                    _stored.Add(Codec.SerializeToArray(_ledger));
                }
                else
                {
                    Reactivate(fromOlderState: _lostWrites && _stored.Count > 0 && _random.Next(3) == 0);
                }
                CheckInvariants();
            }
        }

        /// <summary>No more faults: the workers finish what they hold and lease the rest, and the client saves everything.</summary>
        public void RunToCompletion()
        {
            for (int round = 0; round < 2000 && !(_ledger.Finished && ClientDone); round++)
            {
                foreach (Worker worker in Alive.ToArray())
                {
                    foreach (TrialLease lease in worker.Held.ToArray())
                    {
                        Complete(worker, lease);
                    }
                    Lease(worker, worker.Slots);
                    foreach (TrialLease lease in worker.Held.ToArray())
                    {
                        Complete(worker, lease);
                    }
                    CheckInvariants();
                }
                ClientSubmit();
                ClientRead();
                ClientAcknowledge(all: true);
                CheckInvariants();
                _now += LeaseDuration; // the dead workers' leases run out
                Expire();
                CheckInvariants();
            }
            Assert.True(_ledger.Finished, "the sweep does not finish");
            Assert.True(ClientDone, "the client has not saved every trial");
        }

        public void AssertOutcome()
        {
            Assert.Equal(_keys, _saved.Keys.Order(StringComparer.Ordinal));
            foreach (string key in _keys)
            {
                CompletedTrial saved = _saved[key];
                if (_alwaysFail.Contains(key))
                {
                    Assert.True(saved.Failed, $"{key} always fails but was saved as a success");
                    Assert.True(saved.ResultJson == Fail(key).ResultJson || (saved.ResultJson == "" && _lost.Contains(key)), $"{key}: {saved}");
                }
                else if (saved.Failed)
                {
                    // Only a trial whose leases all ran out may fail without throwing.
                    Assert.Equal("", saved.ResultJson);
                    Assert.Contains(key, _lost);
                }
                else
                {
                    Assert.Equal(Ok(key).ResultJson, saved.ResultJson);
                }
            }
            Assert.Empty(_ledger.Trials);
            SweepCounts counts = _ledger.Counts();
            Assert.Equal(counts.Total, counts.Done + counts.Failed);
            if (!_rolledBack)
            {
                Assert.Equal(TrialCount, counts.Total);
                Assert.Equal(_saved.Values.Count(s => !s.Failed), counts.Done);
                Assert.Equal(_saved.Values.Count(s => s.Failed), counts.Failed);
            }
            else
            {
                // An older stored state lacks the trials submitted after it whose results the client had already saved;
                // the client never submits those again, so the ledger's counts may fall short of the sweep, never exceed
                // it. The client's saved set, checked above, is what must come out whole.
                Assert.InRange(counts.Total, 1, TrialCount);
            }
        }

        private bool ClientDone => _sentLast && _submitted.Count == TrialCount && _submitted.All(_saved.ContainsKey) && _toAcknowledge.Count == 0;

        // ---- Workers ------------------------------------------------------------------------------------------------

        private Worker StartWorker()
        {
            var worker = new Worker($"w{++_workersStarted}", _random.Next(1, 3));
            _workers.Add(worker);
            return worker;
        }

        private void KillWorker()
        {
            Worker[] alive = Alive.ToArray();
            alive[_random.Next(alive.Length)].Dead = true;
            StartWorker();
        }

        private void LeaseByRandomWorker()
        {
            Worker[] free = Alive.Where(w => w.Held.Count < w.Slots).ToArray();
            if (free.Length > 0)
            {
                Worker worker = free[_random.Next(free.Length)];
                Lease(worker, _random.Next(1, worker.Slots - worker.Held.Count + 1));
            }
        }

        private void Lease(Worker worker, int count)
        {
            count = Math.Min(count, worker.Slots - worker.Held.Count);
            if (count <= 0)
            {
                return;
            }
            List<string> pending = _ledger.Order.Where(k => _ledger.Trials[k].Status == TrialStatus.Pending).ToList();
            var attemptsBefore = pending.ToDictionary(k => k, k => _ledger.Trials[k].Attempts, StringComparer.Ordinal);
            int leasedBefore = _ledger.Trials.Values.Count(e => e.Status == TrialStatus.Leased);
            bool outboxFull = _ledger.Outbox.Count >= _settings.MaxRetained;

            List<TrialLease> leases = _ledger.Lease(SweepId, worker.Name, count, _now);

            int expected = outboxFull ? 0 : Math.Max(0, Math.Min(count, Math.Min(pending.Count, _settings.MaxInFlight - leasedBefore)));
            Assert.Equal(pending.Take(expected), leases.Select(l => l.TrialKey));
            foreach (TrialLease lease in leases)
            {
                LedgerEntry entry = _ledger.Trials[lease.TrialKey];
                Assert.Equal(TrialStatus.Leased, entry.Status);
                Assert.Equal(worker.Name, entry.Worker);
                Assert.Equal(attemptsBefore[lease.TrialKey] + 1, lease.Attempt);
                Assert.Equal(lease.Attempt, entry.Attempts);
                Assert.Equal(_now + LeaseDuration, lease.Expires);
                Assert.Equal(Config(lease.TrialKey), lease.ConfigJson);
            }
            worker.Held.AddRange(leases);
        }

        private void RenewByHolder()
        {
            Worker[] holding = Alive.Where(w => w.Held.Count > 0).ToArray();
            if (holding.Length == 0)
            {
                return;
            }
            Worker worker = holding[_random.Next(holding.Length)];
            TrialLease lease = worker.Held[_random.Next(worker.Held.Count)];
            bool renewed = Renew(worker.Name, lease.TrialKey, lease.Attempt);
            if (!_rolledBack)
            {
                // Without a lost write the ledger's lease of this attempt is this worker's until it expires or ends.
                _ledger.Trials.TryGetValue(lease.TrialKey, out LedgerEntry? entry);
                bool stillLeased = entry is { Status: TrialStatus.Leased } && entry.Attempts == lease.Attempt;
                Assert.Equal(stillLeased, renewed);
            }
            if (!renewed && _random.Next(3) > 0)
            {
                worker.Held.Remove(lease); // it stops; otherwise it runs on and its outcome comes late
            }
        }

        private void RenewByWrongHolder()
        {
            var leased = _ledger.Trials.Where(t => t.Value.Status == TrialStatus.Leased).ToArray();
            if (leased.Length == 0)
            {
                return;
            }
            var (key, entry) = leased[_random.Next(leased.Length)];
            string worker = entry.Worker;
            int attempt = entry.Attempts;
            switch (_random.Next(3))
            {
                case 0:
                    worker = _workers[_random.Next(_workers.Count)].Name;
                    worker = worker == entry.Worker ? "nobody" : worker;
                    break;
                case 1:
                    attempt = entry.Attempts - 1 - _random.Next(entry.Attempts); // 0 .. Attempts-1
                    break;
                default:
                    attempt = entry.Attempts + 1;
                    break;
            }
            Assert.False(Renew(worker, key, attempt), $"{worker} renewed attempt {attempt} of {key} held by {entry.Worker} (attempt {entry.Attempts})");
        }

        /// <summary>Renews, checking the lease is extended exactly when the worker holds that attempt.</summary>
        private bool Renew(string worker, string key, int attempt)
        {
            _ledger.Trials.TryGetValue(key, out LedgerEntry? entry);
            bool holds = entry is { Status: TrialStatus.Leased } && entry.Attempts == attempt && entry.Worker == worker;
            DateTime expires = entry?.Expires ?? default;
            int step = entry?.Step ?? 0;
            int newStep = _random.Next(1, 1000);

            bool renewed = _ledger.Renew(worker, key, attempt, newStep, _now);

            Assert.Equal(holds, renewed);
            if (renewed)
            {
                Assert.Equal(_now + LeaseDuration, entry!.Expires);
                Assert.Equal(newStep, entry.Step);
            }
            else if (entry is not null)
            {
                Assert.Equal(expires, entry.Expires);
                Assert.Equal(step, entry.Step);
            }
            return renewed;
        }

        private void CompleteByHolder()
        {
            Worker[] holding = Alive.Where(w => w.Held.Count > 0).ToArray();
            if (holding.Length > 0)
            {
                Worker worker = holding[_random.Next(holding.Length)];
                Complete(worker, worker.Held[_random.Next(worker.Held.Count)]);
            }
        }

        private void Complete(Worker worker, TrialLease lease)
        {
            worker.Held.Remove(lease);
            TrialOutcome outcome = _alwaysFail.Contains(lease.TrialKey) ? Fail(lease.TrialKey) : Ok(lease.TrialKey);
            worker.Sent.Add((lease.TrialKey, lease.Attempt, outcome));
            Complete(worker.Name, lease.TrialKey, lease.Attempt, outcome);
        }

        /// <summary>A live worker sends an outcome again (a retried call, or a duplicate delivery).</summary>
        private void CompleteAgain()
        {
            Worker[] sent = Alive.Where(w => w.Sent.Count > 0).ToArray();
            if (sent.Length > 0)
            {
                Worker worker = sent[_random.Next(sent.Length)];
                var (key, attempt, outcome) = worker.Sent[_random.Next(worker.Sent.Count)];
                bool counted = Complete(worker.Name, key, attempt, outcome);
                if (!_rolledBack)
                {
                    // A success left the trial finished for good; a failure's attempt is never leased again.
                    Assert.False(counted, $"attempt {attempt} of {key} counted twice");
                }
            }
        }

        /// <summary>Completes, checking the outcome counts exactly as the rules say, and what it changes.</summary>
        private bool Complete(string worker, string key, int attempt, TrialOutcome outcome)
        {
            _ledger.Trials.TryGetValue(key, out LedgerEntry? entry);
            TrialStatus? status = entry?.Status;
            int attempts = entry?.Attempts ?? 0;
            bool open = status is TrialStatus.Pending or TrialStatus.Leased;
            bool holds = status == TrialStatus.Leased && attempts == attempt && entry!.Worker == worker;
            int outbox = _ledger.Outbox.Count;
            long sequence = _ledger.NextSequence;

            bool counted = _ledger.Complete(worker, key, attempt, outcome);

            Assert.Equal(open && (!outcome.Failed || holds), counted);
            if (!counted)
            {
                Assert.Equal(status, entry?.Status);
                Assert.Equal(outbox, _ledger.Outbox.Count);
            }
            else if (outcome.Failed && attempts < _settings.MaxAttempts)
            {
                Assert.Equal(TrialStatus.Pending, entry!.Status);
                Assert.Equal(outbox, _ledger.Outbox.Count);
                _expectedRestarts++;
            }
            else
            {
                Assert.Equal(outcome.Failed ? TrialStatus.Failed : TrialStatus.Done, entry!.Status);
                Assert.Equal(new CompletedTrial(sequence, key, outcome.Failed, outcome.ResultJson), _ledger.Outbox[^1]);
                Assert.Equal(outbox + 1, _ledger.Outbox.Count);
            }
            return counted;
        }

        private void Expire()
        {
            var due = _ledger.Trials.Where(t => t.Value.Status == TrialStatus.Leased && t.Value.Expires <= _now)
                .ToDictionary(t => t.Key, t => t.Value.Attempts, StringComparer.Ordinal);

            List<string> expired = _ledger.Expire(_now);

            Assert.Equal(due.Keys.Order(StringComparer.Ordinal), expired.Order(StringComparer.Ordinal));
            _expectedRestarts += expired.Count;
            foreach (string key in expired)
            {
                LedgerEntry entry = _ledger.Trials[key];
                if (due[key] >= _settings.MaxAttempts)
                {
                    Assert.Equal(TrialStatus.Failed, entry.Status);
                    Assert.Contains(_ledger.Outbox, c => c.TrialKey == key && c.Failed && c.ResultJson == "");
                    _lost.Add(key);
                }
                else
                {
                    Assert.Equal(TrialStatus.Pending, entry.Status);
                }
            }
        }

        // ---- Reactivation -------------------------------------------------------------------------------------------

        /// <summary>
        /// A new activation loads the stored ledger: the current one, or an older write when the last writes were lost. The
        /// client's stream to the old activation breaks: it submits again what it has no result for (marked last if its last
        /// window went out) and reads the whole outbox again.
        /// </summary>
        private void Reactivate(bool fromOlderState)
        {
            if (fromOlderState)
            {
                int index = _random.Next(_stored.Count);
                _ledger = Load(_stored[index]);
                _stored.RemoveRange(index + 1, _stored.Count - index - 1);
                _rolledBack = true;
                _expectedRestarts = _ledger.Restarts;
            }
            else
            {
                byte[] bytes = Codec.SerializeToArray(_ledger);
                SweepLedger loaded = Load(bytes);
                Assert.Equal(Describe(_ledger), Describe(loaded));
                _ledger = loaded;
                _stored.Add(bytes);
            }
            _ledger.Extend(_now);
            Assert.All(_ledger.Trials.Values.Where(e => e.Status == TrialStatus.Leased), e => Assert.True(e.Expires >= _now + LeaseDuration));

            string[] unsaved = _submitted.Where(k => !_saved.ContainsKey(k)).Order(StringComparer.Ordinal).ToArray();
            int added = _ledger.Submit(Submissions(unsaved), _settings, _sentLast);
            if (!_rolledBack)
            {
                Assert.Equal(0, added);
            }
            _readUpTo = 0;
            ClientRead();
        }

        // ---- Client -------------------------------------------------------------------------------------------------

        private void ClientSubmit()
        {
            int outstanding = _submitted.Count(k => !_saved.ContainsKey(k));
            if (_cursor >= TrialCount || outstanding > Window / 2)
            {
                return;
            }
            var next = new List<string>();
            while (outstanding + next.Count < Window && _cursor < TrialCount)
            {
                next.Add(_keys[_cursor++]);
            }
            bool last = _cursor >= TrialCount;
            Assert.Equal(next.Count, _ledger.Submit(Submissions([.. next]), _settings, last));
            _submitted.UnionWith(next);
            _sentLast |= last;
        }

        /// <summary>Submits again some trials in flight (a retried call): nothing is added.</summary>
        private void ClientSubmitAgain()
        {
            string[] unsaved = _submitted.Where(k => !_saved.ContainsKey(k) && _random.Next(2) == 0).ToArray();
            int added = _ledger.Submit(Submissions(unsaved), _settings, last: false);
            if (!_rolledBack)
            {
                Assert.Equal(0, added);
            }
        }

        private void ClientRead()
        {
            foreach (CompletedTrial completed in _ledger.Outbox.Where(c => c.Sequence > _readUpTo).ToArray())
            {
                _readUpTo = completed.Sequence;
                Save(completed);
                if (!_toAcknowledge.Contains(completed.TrialKey))
                {
                    _toAcknowledge.Add(completed.TrialKey);
                }
            }
        }

        /// <summary>Saves a result by key: a success replaces a failure, anything else already saved is ignored.</summary>
        private void Save(CompletedTrial completed)
        {
            string key = completed.TrialKey;
            Assert.Contains(key, _submitted);
            if (completed.Failed)
            {
                // A trial fails by throwing (the always-failing ones) or by losing every lease (an empty result).
                Assert.True((completed.ResultJson == "" && _lost.Contains(key))
                    || (_alwaysFail.Contains(key) && completed.ResultJson == Fail(key).ResultJson), $"{completed}");
            }
            else
            {
                Assert.DoesNotContain(key, _alwaysFail);
                Assert.Equal(Ok(key).ResultJson, completed.ResultJson);
            }
            if (!_rolledBack)
            {
                // One result per trial: read again it has the same number; a second number means it finished twice.
                long sequence = _sequenceOf.TryAdd(key, completed.Sequence) ? completed.Sequence : _sequenceOf[key];
                Assert.True(sequence == completed.Sequence, $"{key} finished twice: results {sequence} and {completed.Sequence}");
            }
            if (!_saved.TryGetValue(key, out CompletedTrial? saved))
            {
                _saved[key] = completed;
            }
            else if (saved.Failed && !completed.Failed)
            {
                Assert.True(_rolledBack, $"{key} failed and then succeeded without a lost write");
                _saved[key] = completed;
            }
            else if (!_rolledBack)
            {
                Assert.Equal(saved, completed);
            }
        }

        private void ClientAcknowledge(bool all)
        {
            if (_toAcknowledge.Count == 0)
            {
                return;
            }
            List<string> keys = all ? [.. _toAcknowledge]
                : _random.Next(2) == 0 ? _toAcknowledge.Take(_random.Next(1, _toAcknowledge.Count + 1)).ToList()
                : _toAcknowledge.Where(_ => _random.Next(2) == 0).ToList();
            var finished = keys.Where(k => _ledger.Trials.TryGetValue(k, out LedgerEntry? e) && e.Status is TrialStatus.Done or TrialStatus.Failed)
                .ToHashSet(StringComparer.Ordinal);
            var unfinished = keys.Where(k => _ledger.Trials.TryGetValue(k, out LedgerEntry? e) && e.Status is TrialStatus.Pending or TrialStatus.Leased)
                .ToDictionary(k => k, k => _ledger.Trials[k].Status, StringComparer.Ordinal);
            if (!_rolledBack)
            {
                Assert.Equal(keys.Count, finished.Count); // everything read waits in the outbox until acknowledged
            }

            int removed = _ledger.Acknowledge(keys);

            Assert.Equal(finished.Count, removed);
            Assert.All(finished, k => Assert.False(_ledger.Trials.ContainsKey(k)));
            Assert.All(unfinished, u => Assert.Equal(u.Value, _ledger.Trials[u.Key].Status));
            _toAcknowledge.RemoveAll(keys.Contains);
            _acknowledged.UnionWith(finished);
        }

        /// <summary>Acknowledges a trial not finished (and one never submitted): nothing changes.</summary>
        private void AcknowledgeUnfinished()
        {
            string[] unfinished = _ledger.Trials.Where(t => t.Value.Status is TrialStatus.Pending or TrialStatus.Leased).Select(t => t.Key).ToArray();
            if (unfinished.Length == 0)
            {
                return;
            }
            string key = unfinished[_random.Next(unfinished.Length)];
            string before = Describe(_ledger);
            Assert.Equal(0, _ledger.Acknowledge([key, "never-submitted"]));
            Assert.Equal(before, Describe(_ledger));
        }

        // ---- Invariants ---------------------------------------------------------------------------------------------

        private void CheckInvariants()
        {
            CheckLedger();
            if (!_rolledBack)
            {
                CheckAgainstClientAndWorkers();
            }
        }

        /// <summary>What holds of any ledger, whatever was lost.</summary>
        private void CheckLedger()
        {
            SweepLedger ledger = _ledger;
            var order = new HashSet<string>(ledger.Order, StringComparer.Ordinal);
            Check(order.Count == ledger.Order.Count, "a trial twice in the submission order");
            Check(order.SetEquals(ledger.Trials.Keys), "the submission order and the trials differ");

            int pending = 0, leased = 0, done = 0, failed = 0;
            var finished = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (key, entry) in ledger.Trials)
            {
                Check(entry.Attempts >= 0 && entry.Attempts <= _settings.MaxAttempts, $"{key}: {entry.Attempts} attempts");
                Check(entry.ConfigJson == Config(key), $"{key}: configuration {entry.ConfigJson}");
                switch (entry.Status)
                {
                    case TrialStatus.Pending:
                        pending++;
                        Check(entry.Attempts < _settings.MaxAttempts, $"{key} pending after {entry.Attempts} attempts");
                        break;
                    case TrialStatus.Leased:
                        leased++;
                        Check(entry.Attempts >= 1 && entry.Worker.Length > 0, $"{key} leased without an attempt or a worker");
                        break;
                    case TrialStatus.Done:
                        done++;
                        finished.Add(key);
                        break;
                    case TrialStatus.Failed:
                        failed++;
                        finished.Add(key);
                        break;
                }
            }

            // The outbox holds exactly the finished trials not yet acknowledged, each once, in result order.
            var outbox = new HashSet<string>(StringComparer.Ordinal);
            long previous = 0;
            foreach (CompletedTrial completed in ledger.Outbox)
            {
                Check(outbox.Add(completed.TrialKey), $"{completed.TrialKey} twice in the outbox");
                Check(completed.Sequence > previous && completed.Sequence < ledger.NextSequence, $"result {completed.Sequence} out of order");
                previous = completed.Sequence;
                Check(ledger.Trials.TryGetValue(completed.TrialKey, out LedgerEntry? entry)
                    && entry.Status == (completed.Failed ? TrialStatus.Failed : TrialStatus.Done), $"{completed} does not match its trial");
            }
            Check(outbox.SetEquals(finished), "the outbox and the finished trials differ");

            SweepCounts counts = ledger.Counts();
            Check(counts.Total == counts.Pending + counts.Leased + counts.Done + counts.Failed, $"{counts} do not add up");
            Check(counts.Total == ledger.Trials.Count + ledger.ForgottenDone + ledger.ForgottenFailed, $"{counts}: total");
            Check(counts.Pending == pending && counts.Leased == leased, $"{counts}: pending {pending}, leased {leased}");
            Check(counts.Done == done + ledger.ForgottenDone && counts.Failed == failed + ledger.ForgottenFailed, $"{counts}: done {done}, failed {failed}");
            Check(counts.Retained == ledger.Outbox.Count, $"{counts}: retained");
            Check(counts.Restarts == _expectedRestarts, $"{counts}: {_expectedRestarts} restarts expected");
            Check(counts.Leased <= _settings.MaxInFlight, $"{counts.Leased} leased, at most {_settings.MaxInFlight}");
            IReadOnlyList<RunningTrial> running = ledger.Running();
            Check(running.Count == leased && running.All(r => ledger.Trials[r.TrialKey].Status == TrialStatus.Leased), "running is not what is leased");
            Check(ledger.HasPending == pending > 0, "HasPending");
            Check(ledger.Finished == (ledger.AllSubmitted && ledger.Outbox.Count == 0 && pending == 0 && leased == 0), "Finished");
        }

        /// <summary>What holds while no write was lost: the ledger agrees with what the client and workers saw.</summary>
        private void CheckAgainstClientAndWorkers()
        {
            SweepLedger ledger = _ledger;
            Check(ledger.Trials.Count == _submitted.Count - _acknowledged.Count
                && ledger.Trials.Keys.All(k => _submitted.Contains(k) && !_acknowledged.Contains(k)), "the ledger's trials are not those submitted and not acknowledged");
            Check(ledger.Counts().Total == _submitted.Count, "total is not what was submitted");
            Check(ledger.AllSubmitted == _sentLast, "AllSubmitted");
            int acknowledgedFailed = _acknowledged.Count(k => _saved[k].Failed);
            Check(ledger.ForgottenFailed == acknowledgedFailed && ledger.ForgottenDone == _acknowledged.Count - acknowledgedFailed,
                $"forgotten {ledger.ForgottenDone} done and {ledger.ForgottenFailed} failed; {_acknowledged.Count} acknowledged, {acknowledgedFailed} failed");

            // What the client read is still there until acknowledged, unchanged; what it has not read is ahead of it.
            int savedInOutbox = 0;
            foreach (CompletedTrial completed in ledger.Outbox)
            {
                if (_saved.TryGetValue(completed.TrialKey, out CompletedTrial? saved))
                {
                    Check(saved == completed, $"{completed} read as {saved}");
                    savedInOutbox++;
                }
                else
                {
                    Check(completed.Sequence > _readUpTo, $"result {completed.Sequence} of {completed.TrialKey} skipped by the client");
                }
            }
            Check(savedInOutbox == _saved.Count - _acknowledged.Count, "a result read and not acknowledged left the outbox");

            // A lease the ledger holds is one its worker runs.
            foreach (var (key, entry) in ledger.Trials)
            {
                if (entry.Status == TrialStatus.Leased)
                {
                    Worker? holder = _workers.Find(w => w.Name == entry.Worker);
                    Check(holder is not null && holder.Held.Exists(l => l.TrialKey == key && l.Attempt == entry.Attempts),
                        $"attempt {entry.Attempts} of {key} leased to {entry.Worker}, which does not run it");
                }
            }
        }

        private static void Check(bool condition, string message)
        {
            if (!condition)
            {
                Assert.Fail(message);
            }
        }
    }

    private sealed class Worker(string name, int slots)
    {
        public string Name { get; } = name;
        public int Slots { get; } = slots;

        /// <summary>Dead: its leases are never renewed or completed again.</summary>
        public bool Dead { get; set; }

        /// <summary>The leases it is running (some may have expired without its knowing).</summary>
        public List<TrialLease> Held { get; } = [];

        /// <summary>The outcomes it has sent, which it may send again.</summary>
        public List<(string Key, int Attempt, TrialOutcome Outcome)> Sent { get; } = [];
    }

    // ---- Helpers ------------------------------------------------------------------------------------------------

    private static SweepSettings Settings(int maxAttempts = 3, int maxInFlight = 100, int maxRetained = 100) =>
        new(maxAttempts, LeaseDuration, maxInFlight, maxRetained);

    private static string Config(string key) => $"{{\"trial\":\"{key}\"}}";

    private static TrialSubmission[] Submissions(params string[] keys) => keys.Select(k => new TrialSubmission(k, Config(k))).ToArray();

    private static TrialOutcome Ok(string key) => new(false, $"{{\"ok\":\"{key}\"}}");

    private static TrialOutcome Fail(string key) => new(true, $"{{\"failed\":\"{key}\"}}");

    private static SweepLedger NewLedger(SweepSettings settings, params string[] keys)
    {
        var ledger = new SweepLedger();
        ledger.Submit(Submissions(keys), settings, last: false);
        return ledger;
    }

    private static SweepLedger Load(byte[] stored) => Codec.Deserialize<SweepLedger>(stored) ?? throw new InvalidOperationException("no ledger stored");

    /// <summary>Every stored member of a ledger as text, to compare two ledgers.</summary>
    private static string Describe(SweepLedger ledger)
    {
        var text = new StringBuilder();
        foreach (var (key, e) in ledger.Trials.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"{key}:{e.Status}/{e.Attempts}/{e.Worker}/{e.Expires.Ticks}/{e.Expires.Kind}/{e.Step}/{e.ConfigJson};");
        }
        text.AppendLine();
        text.AppendJoin(',', ledger.Order).AppendLine();
        text.AppendJoin(',', ledger.Outbox).AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"{ledger.NextSequence} {ledger.Settings} {ledger.Restarts} {ledger.ForgottenDone} {ledger.ForgottenFailed} {ledger.AllSubmitted}");
        return text.ToString();
    }
}
