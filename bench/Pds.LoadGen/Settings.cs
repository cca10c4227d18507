using System.Globalization;

namespace Pds.LoadGen;

/// <summary>Workload sizes and round counts, from BENCH_* environment variables.</summary>
/// <remarks><c>BENCH_QUICK=1</c> picks smaller defaults so a whole run takes a few minutes; any
/// explicit variable still wins.</remarks>
public sealed record Settings
{
    public bool Quick { get; init; }
    public int Rounds { get; init; }
    public int SequentialWrites { get; init; }
    public int ConcurrentUsers { get; init; }
    public int WritesPerConcurrentUser { get; init; }
    public int Batches { get; init; }
    public int BatchSize { get; init; }
    public int ReadRequests { get; init; }
    public int ReadConcurrency { get; init; }
    public int RepoRecords { get; init; }
    public int ExportRounds { get; init; }

    /// <summary>BENCH_EXPORT_REPEAT: getRepo exports per round, back to back; the round's figures are
    /// their total MB over their total time and their mean time.</summary>
    public int ExportRepeat { get; init; }

    /// <summary>BENCH_IMPORT_REPEAT: importRepo calls per round, each into a fresh account.</summary>
    public int ImportRepeat { get; init; }
    public int Sessions { get; init; }
    public int SessionConcurrency { get; init; }
    public int FirehoseSubscribers { get; init; }
    public int FirehoseRate { get; init; }
    public double FirehoseSeconds { get; init; }
    public int FirehoseWriters { get; init; }

    /// <summary>Requests of each kind sent to every server before the first round (JIT tiering, V8 optimisation).</summary>
    public int WarmupWrites { get; init; }

    public int WarmupReads { get; init; }

    /// <summary>BENCH_WARMUP_EXPORTS: getRepo exports of the warm-up account's repository before the rounds.</summary>
    public int WarmupExports { get; init; }

    /// <summary>BENCH_SETTLE_SECONDS: the longest wait, before each workload, for the machine to
    /// go idle (see <c>Bench.SettleAsync</c>).</summary>
    public int SettleSeconds { get; init; }

    /// <summary>BENCH_IDLE_SECONDS: how long after the last server answered the idle resident sets
    /// are read at the earliest (then once the machine is quiet).</summary>
    public int IdleSeconds { get; init; }

    /// <summary>BENCH_PERF_ROUND: the round of each workload profiled when BENCH_PERF_DIR is set;
    /// 0 (the default) is each workload's last, when the JIT has finished tiering its paths.</summary>
    public int PerfRound { get; init; }

    /// <summary>BENCH_ONLY: comma-separated row keys (or prefixes: create, apply, get, list, export,
    /// import, session, fh) to run only those workloads; empty runs all.</summary>
    public IReadOnlyList<string> Only { get; init; } = [];

    public static Settings FromEnvironment()
    {
        var quick = Environment.GetEnvironmentVariable("BENCH_QUICK") is "1" or "true";
        return new Settings
        {
            Quick = quick,
            Rounds = Int("BENCH_ROUNDS", quick ? 3 : 5),
            SequentialWrites = Int("BENCH_SEQ_WRITES", quick ? 100 : 300),
            ConcurrentUsers = Int("BENCH_CONC_USERS", 50),
            WritesPerConcurrentUser = Int("BENCH_CONC_WRITES_PER_USER", quick ? 4 : 10),
            Batches = Int("BENCH_BATCHES", quick ? 20 : 60),
            BatchSize = Int("BENCH_BATCH_SIZE", 10),
            ReadRequests = Int("BENCH_READ_REQUESTS", quick ? 2000 : 10000),
            ReadConcurrency = Int("BENCH_READ_CONCURRENCY", 32),
            RepoRecords = Int("BENCH_REPO_RECORDS", quick ? 2000 : 10000),
            ExportRounds = Int("BENCH_EXPORT_ROUNDS", quick ? 3 : 5),
            ExportRepeat = Int("BENCH_EXPORT_REPEAT", 5),
            ImportRepeat = Int("BENCH_IMPORT_REPEAT", quick ? 1 : 2),
            Sessions = Int("BENCH_SESSIONS", quick ? 40 : 150),
            SessionConcurrency = Int("BENCH_SESSION_CONCURRENCY", 8),
            FirehoseSubscribers = Int("BENCH_FIREHOSE_SUBSCRIBERS", 20),
            FirehoseRate = Int("BENCH_FIREHOSE_RATE", 200),
            FirehoseSeconds = Double("BENCH_FIREHOSE_SECONDS", quick ? 4 : 10),
            FirehoseWriters = Int("BENCH_FIREHOSE_WRITERS", 10),
            WarmupWrites = Int("BENCH_WARMUP_WRITES", quick ? 400 : 1000),
            WarmupReads = Int("BENCH_WARMUP_READS", quick ? 2000 : 4000),
            WarmupExports = Int("BENCH_WARMUP_EXPORTS", 100),
            SettleSeconds = Int("BENCH_SETTLE_SECONDS", 60),
            IdleSeconds = Int("BENCH_IDLE_SECONDS", 10),
            PerfRound = Int("BENCH_PERF_ROUND", 0),
            Only = (Environment.GetEnvironmentVariable("BENCH_ONLY") ?? "")
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        };
    }

    public override string ToString() =>
        $"rounds={Rounds} seq_writes={SequentialWrites} conc_users={ConcurrentUsers}x{WritesPerConcurrentUser} " +
        $"batches={Batches}x{BatchSize} reads={ReadRequests}@{ReadConcurrency} repo_records={RepoRecords} " +
        $"export_rounds={ExportRounds}x{ExportRepeat} import_repeat={ImportRepeat} sessions={Sessions}@{SessionConcurrency} " +
        $"firehose={FirehoseSubscribers} subs, {FirehoseRate} writes/s for {FirehoseSeconds} s from {FirehoseWriters} users " +
        $"warmup={WarmupWrites} writes, {WarmupReads} reads, {WarmupExports} exports settle≤{SettleSeconds} s idle≥{IdleSeconds} s";

    private static int Int(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;

    private static double Double(string name, double fallback) =>
        double.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;
}
