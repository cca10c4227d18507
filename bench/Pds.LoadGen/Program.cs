// Side-by-side server benchmark: runs identical workloads against several running PDS servers,
// round by round in turn (so machine noise hits all of them alike), and prints one table of
// medians with the ratio of each of ours to the first target, the reference.
//
//   Pds.LoadGen --target name=reference,url=http://127.0.0.1:P,pid=N
//               --target name=sqlite,url=...,pid=N [--target name=postgres,url=...,pid=N,dbpid=M]
//               [--out table.md] [--json results.json]
//
// Sizes and rounds: BENCH_* environment variables (Settings.cs); BENCH_QUICK=1 for a short run.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Pds.LoadGen;

var targets = new List<Target>();
string? outPath = null, jsonPath = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--target": targets.Add(Target.Parse(args[++i])); break;
        case "--out": outPath = args[++i]; break;
        case "--json": jsonPath = args[++i]; break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}

if (targets.Count < 2)
{
    Console.Error.WriteLine("usage: Pds.LoadGen --target name=reference,url=...,pid=N --target name=ours,url=...,pid=N [...]");
    return 2;
}

var settings = Settings.FromEnvironment();
Log($"settings: {settings}");
var bench = new Bench(settings, targets);
await bench.RunAsync();
var table = bench.RenderTable();
Console.WriteLine();
Console.WriteLine(table);
if (outPath is not null)
{
    await File.WriteAllTextAsync(outPath, table);
}

if (jsonPath is not null)
{
    await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(bench.Results, Xrpc.Json));
}

return 0;

static void Log(string message) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {message}");

namespace Pds.LoadGen
{
    public sealed record Target(string Name, Uri Url, int Pid, int DbPid)
    {
        public static Target Parse(string spec)
        {
            var kv = spec.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
            return new Target(
                kv["name"],
                new Uri(kv["url"]),
                kv.TryGetValue("pid", out var pid) ? int.Parse(pid, CultureInfo.InvariantCulture) : 0,
                kv.TryGetValue("dbpid", out var db) ? int.Parse(db, CultureInfo.InvariantCulture) : 0);
        }
    }

    /// <summary>How a row is judged: ours/reference at least (or at most) a ratio, or an absolute bound
    /// on ours; <c>Met(ours, reference, other)</c> may consult our median of another row by key.</summary>
    public sealed record Goal(string Text, Func<double, double, Func<string, double>, bool> Met);

    public sealed record Row(string Key, string Label, string Unit, bool HigherIsBetter, Goal? Goal);

    /// <summary>One round of one workload on one target: its metrics and the CPU cores each party used.</summary>
    public sealed record Sample(Dictionary<string, double> Metrics, double ServerCores, double DbCores, double LoadGenCores, double ServerWaitCores = 0, double CpuPressure = 0, double PeakRssMiB = 0);

    /// <summary>Per-target state created during set-up.</summary>
    public sealed class TargetState(Target target)
    {
        public Target Target { get; } = target;
        public Xrpc Xrpc { get; } = new(target.Url);
        public Account SeqUser { get; set; } = null!;
        public Account BatchUser { get; set; } = null!;
        public Account RepoUser { get; set; } = null!;
        public List<string> RepoRkeys { get; } = [];
        public List<Account> ConcUsers { get; } = [];
        public List<Account> FirehoseWriters { get; } = [];
        public byte[]? Car { get; set; }
        public double IdleRssMiB { get; set; }

        /// <summary>The resident set by kind at the end of the run (see <see cref="ProcStats.ResidentByKindMiB"/>).</summary>
        public (double Files, double RuntimeCode, double RuntimeData, double Anonymous) EndRssByKindMiB { get; set; } = (double.NaN, double.NaN, double.NaN, double.NaN);

        /// <summary>The highest resident set seen so far: VmHWM is reset before every round (so each
        /// round has its own peak), and this keeps the peak over the whole run.</summary>
        public double PeakRssMiB { get; set; }
        public int Counter;
    }

    public sealed class Bench(Settings s, List<Target> targets)
    {
        private static readonly Goal Writes5 = new("≥ 5×", (ours, reference, _) => ours >= 5 * reference);
        private static readonly Goal Reads10 = new("≥ 10×", (ours, reference, _) => ours >= 10 * reference);
        private static readonly Goal Memory3 = new("≤ 1/3", (ours, reference, _) => ours <= reference / 3);

        private readonly List<TargetState> states = targets.Select(t => new TargetState(t)).ToList();
        private readonly List<(string Workload, List<Row> Rows)> workloads = [];

        /// <summary>Workload → target → rounds.</summary>
        public Dictionary<string, Dictionary<string, List<Sample>>> Results { get; } = [];

        public async Task RunAsync()
        {
            // Idle: every server started, none asked anything yet, at least IdleSeconds after the
            // last one answered and with the machine quiet, so that no server is measured in the
            // middle of its start-up's own work (compiling, collecting) while another has
            // finished it.
            await Task.Delay(TimeSpan.FromSeconds(s.IdleSeconds)).ConfigureAwait(false);
            await SettleAsync("idle").ConfigureAwait(false);
            foreach (var st in states)
            {
                st.IdleRssMiB = ProcStats.StatusMiB(st.Target.Pid, "VmRSS");
            }

            foreach (var st in states)
            {
                await SetUpAsync(st).ConfigureAwait(false);
                st.PeakRssMiB = ProcStats.StatusMiB(st.Target.Pid, "VmHWM");
            }

            await WorkloadAsync(
                "createRecord, 1 user, sequential",
                [new("create_seq", $"createRecord, 1 user sequential ({s.SequentialWrites} writes)", "writes/s", true, Writes5)],
                async st =>
                {
                    var sw = Stopwatch.StartNew();
                    for (var i = 0; i < s.SequentialWrites; i++)
                    {
                        await st.Xrpc.CreateRecordAsync(st.SeqUser, i).ConfigureAwait(false);
                    }

                    return new() { ["create_seq"] = s.SequentialWrites / sw.Elapsed.TotalSeconds };
                }).ConfigureAwait(false);

            await WorkloadAsync(
                $"createRecord, {s.ConcurrentUsers} users, concurrent",
                [new("create_conc", $"createRecord, {s.ConcurrentUsers} users concurrent ({s.WritesPerConcurrentUser} each)", "writes/s", true, Writes5)],
                async st =>
                {
                    var sw = Stopwatch.StartNew();
                    await Task.WhenAll(st.ConcUsers.Select(u => Task.Run(async () =>
                    {
                        for (var i = 0; i < s.WritesPerConcurrentUser; i++)
                        {
                            await st.Xrpc.CreateRecordAsync(u, i).ConfigureAwait(false);
                        }
                    }))).ConfigureAwait(false);
                    return new() { ["create_conc"] = st.ConcUsers.Count * s.WritesPerConcurrentUser / sw.Elapsed.TotalSeconds };
                }).ConfigureAwait(false);

            await WorkloadAsync(
                "applyWrites, batches",
                [new("apply", $"applyWrites, batches of {s.BatchSize}, 1 user sequential ({s.Batches} batches)", "records/s", true, Writes5)],
                async st =>
                {
                    var sw = Stopwatch.StartNew();
                    for (var i = 0; i < s.Batches; i++)
                    {
                        await st.Xrpc.ApplyCreatesAsync(st.BatchUser, s.BatchSize, i * s.BatchSize).ConfigureAwait(false);
                    }

                    return new() { ["apply"] = s.Batches * s.BatchSize / sw.Elapsed.TotalSeconds };
                }).ConfigureAwait(false);

            await WorkloadAsync(
                "getRecord",
                [new("get", $"getRecord, concurrency {s.ReadConcurrency} ({s.ReadRequests} requests)", "req/s", true, Reads10)],
                async st =>
                {
                    var elapsed = await ConcurrentAsync(s.ReadRequests, s.ReadConcurrency, i =>
                        st.Xrpc.GetRecordAsync(st.RepoUser.Did, st.RepoRkeys[(int)((uint)(i * 2654435761L) % (uint)st.RepoRkeys.Count)])).ConfigureAwait(false);
                    return new() { ["get"] = s.ReadRequests / elapsed };
                }).ConfigureAwait(false);

            await WorkloadAsync(
                "listRecords",
                [new("list", $"listRecords limit 50, concurrency {s.ReadConcurrency} ({s.ReadRequests / 2} requests)", "req/s", true, Reads10)],
                async st =>
                {
                    var n = s.ReadRequests / 2;
                    var elapsed = await ConcurrentAsync(n, s.ReadConcurrency, _ => st.Xrpc.ListRecordsAsync(st.RepoUser.Did, 50)).ConfigureAwait(false);
                    return new() { ["list"] = n / elapsed };
                }).ConfigureAwait(false);

            await WorkloadAsync(
                "getRepo",
                [
                    new("export_mbs", $"getRepo CAR export, {s.RepoRecords} records", "MB/s", true, Reads10),
                    new("export_ms", "getRepo CAR export, time", "ms", false, null),
                ],
                async st =>
                {
                    // BENCH_EXPORT_REPEAT exports, one after another, per round: one export of a
                    // small repository is too short to time (or to profile) on its own.
                    var sw = Stopwatch.StartNew();
                    long bytes = 0;
                    for (var i = 0; i < s.ExportRepeat; i++)
                    {
                        bytes += await st.Xrpc.DrainRepoAsync(st.RepoUser.Did).ConfigureAwait(false);
                    }

                    var t = sw.Elapsed.TotalSeconds;
                    return new() { ["export_mbs"] = bytes / 1e6 / t, ["export_ms"] = t * 1000 / s.ExportRepeat };
                },
                s.ExportRounds).ConfigureAwait(false);

            await WorkloadAsync(
                "importRepo",
                [
                    new("import_rps", $"importRepo of that CAR into a new account", "records/s", true, Writes5),
                    new("import_ms", "importRepo, time", "ms", false, null),
                ],
                async st =>
                {
                    // Each account is created before its stopwatch starts; only the imports are timed
                    // (BENCH_IMPORT_REPEAT of them per round, each into a fresh account).
                    st.Car ??= await st.Xrpc.GetRepoAsync(st.RepoUser.Did).ConfigureAwait(false);
                    double t = 0;
                    for (var i = 0; i < s.ImportRepeat; i++)
                    {
                        var fresh = await st.Xrpc.CreateAccountAsync("imp").ConfigureAwait(false);
                        var car = CarRewrite.ForDid(st.Car, st.RepoUser.Did, fresh.Did);
                        var sw = Stopwatch.StartNew();
                        await st.Xrpc.ImportRepoAsync(fresh, car).ConfigureAwait(false);
                        t += sw.Elapsed.TotalSeconds;
                    }

                    return new() { ["import_rps"] = s.RepoRecords * s.ImportRepeat / t, ["import_ms"] = t * 1000 / s.ImportRepeat };
                },
                s.ExportRounds).ConfigureAwait(false);

            await WorkloadAsync(
                "createSession",
                [new("session", $"createSession, concurrency {s.SessionConcurrency} ({s.Sessions} sessions)", "sessions/s", true, null)],
                async st =>
                {
                    var elapsed = await ConcurrentAsync(s.Sessions, s.SessionConcurrency, _ => st.Xrpc.CreateSessionAsync(st.SeqUser)).ConfigureAwait(false);
                    return new() { ["session"] = s.Sessions / elapsed };
                }).ConfigureAwait(false);

            // The latency target holds at the target rate: a server that could not sustain it misses it.
            var fhGoal = new Goal(
                $"< 50 ms at {s.FirehoseRate} writes/s",
                (ours, _, other) => ours < 50 && other("fh_rate") >= 0.95 * s.FirehoseRate);
            await WorkloadAsync(
                "firehose",
                [
                    new("fh_rate", $"firehose: achieved write rate (target {s.FirehoseRate}/s, {s.FirehoseSubscribers} subscribers)", "writes/s", true, null),
                    new("fh_p50", "firehose: ack → frame latency p50", "ms", false, null),
                    new("fh_p99", "firehose: ack → frame latency p99", "ms", false, fhGoal),
                    new("fh_delivered", "firehose: frames delivered of expected", "%", true, null),
                ],
                async st =>
                {
                    var r = await Firehose.RunAsync(st.Xrpc, st.FirehoseWriters, s.FirehoseSubscribers, s.FirehoseRate, s.FirehoseSeconds).ConfigureAwait(false);
                    return new()
                    {
                        ["fh_rate"] = r.AchievedRate,
                        ["fh_p50"] = r.P50Ms,
                        ["fh_p99"] = r.P99Ms,
                        ["fh_delivered"] = r.Expected == 0 ? 0 : 100.0 * r.Delivered / r.Expected,
                    };
                }).ConfigureAwait(false);

            foreach (var st in states)
            {
                st.EndRssByKindMiB = ProcStats.ResidentByKindMiB(st.Target.Pid);
            }

            // Memory: resident set at idle (after start and before any request, the machine quiet) and at peak.
            var memRows = new List<Row>
            {
                new("rss_idle", "resident memory at idle (after start, machine quiet)", "MiB", false, Memory3),
                new("rss_peak", "resident memory, peak over the run (VmHWM)", "MiB", false, Memory3),
            };
            workloads.Add(("memory", memRows));
            Results["memory"] = states.ToDictionary(
                st => st.Target.Name,
                st => new List<Sample>
                {
                    new(new() { ["rss_idle"] = st.IdleRssMiB, ["rss_peak"] = Math.Max(st.PeakRssMiB, ProcStats.StatusMiB(st.Target.Pid, "VmHWM")) }, 0, 0, 0),
                });
        }

        private async Task SetUpAsync(TargetState st)
        {
            var x = st.Xrpc;
            Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {st.Target.Name}: creating accounts and a {s.RepoRecords}-record repository");
            st.SeqUser = await x.CreateAccountAsync("seq").ConfigureAwait(false);
            st.BatchUser = await x.CreateAccountAsync("bat").ConfigureAwait(false);
            st.RepoUser = await x.CreateAccountAsync("rep").ConfigureAwait(false);
            var users = new Account[s.ConcurrentUsers];
            await ConcurrentAsync(users.Length, 4, async i => users[i] = await x.CreateAccountAsync("con").ConfigureAwait(false)).ConfigureAwait(false);
            st.ConcUsers.AddRange(users);
            var writers = new Account[s.FirehoseWriters];
            await ConcurrentAsync(writers.Length, 4, async i => writers[i] = await x.CreateAccountAsync("fh").ConfigureAwait(false)).ConfigureAwait(false);
            st.FirehoseWriters.AddRange(writers);

            for (var done = 0; done < s.RepoRecords; done += 200)
            {
                var n = Math.Min(200, s.RepoRecords - done);
                var rkeys = Enumerable.Range(0, n).Select(_ => Xrpc.NextTid()).ToList();
                await x.ApplyCreatesAsync(st.RepoUser, n, done, rkeys).ConfigureAwait(false);
                st.RepoRkeys.AddRange(rkeys);
            }

            // A warm-up of the request paths, so that the recorded rounds measure a server in its
            // steady state, not the JIT's tiering (ours: it settles after some thousand requests)
            // or V8's optimizing compiler (the reference). Every server gets the same requests.
            Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {st.Target.Name}: warming up");
            var warm = await x.CreateAccountAsync("warm").ConfigureAwait(false);
            await ConcurrentAsync(s.WarmupWrites, 4, i => x.CreateRecordAsync(warm, i)).ConfigureAwait(false);
            await ConcurrentAsync(s.WarmupReads, 8, i => x.GetRecordAsync(st.RepoUser.Did, st.RepoRkeys[i % st.RepoRkeys.Count])).ConfigureAwait(false);
            await ConcurrentAsync(s.WarmupReads / 4, 8, _ => x.ListRecordsAsync(st.RepoUser.Did, 50)).ConfigureAwait(false);
            // getRepo is measured once per round: without a warm-up its export loop would run in
            // the first tiers of the JIT (ours) or V8's baseline code (the reference) throughout.
            // The warm-up account's repository is exported, not the measured one.
            await ConcurrentAsync(s.WarmupExports, 2, _ => x.DrainRepoAsync(warm.Did)).ConfigureAwait(false);
        }

        /// <summary>
        /// Waits, at most <see cref="Settings.SettleSeconds"/>, until the machine has been idle (under
        /// 0.15 busy cores) for a whole second. After set-up and warm-up, and after a workload, work
        /// goes on for seconds that no request waits for: a .NET server's JIT compiles the methods
        /// the requests made hot, PostgreSQL's autovacuum analyses the tables just written. The
        /// rounds that ran beside it were slower for whichever server had finished last; an A/A
        /// run of two identical builds on PostgreSQL measured 25 against 51 ms per export.
        /// </summary>
        private async Task SettleAsync(string workload)
        {
            var sw = Stopwatch.StartNew();
            var before = ProcStats.MachineBusySeconds();
            var busy = double.NaN;
            while (sw.Elapsed.TotalSeconds < s.SettleSeconds)
            {
                await Task.Delay(1000).ConfigureAwait(false);
                var now = ProcStats.MachineBusySeconds();
                busy = now - before;
                before = now;
                if (busy < 0.15)
                {
                    Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {workload}: machine idle after {sw.Elapsed.TotalSeconds:F0} s");
                    return;
                }
            }

            Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {workload}: machine still busy ({busy:F2} cores) after {s.SettleSeconds} s; running anyway");
        }

        /// <summary>Runs one workload for every round, targets in turn within a round.</summary>
        private async Task WorkloadAsync(string name, List<Row> rows, Func<TargetState, Task<Dictionary<string, double>>> run, int? rounds = null)
        {
            if (s.Only.Count > 0 && !rows.Any(r => s.Only.Any(o => r.Key.StartsWith(o, StringComparison.Ordinal))))
            {
                return;
            }

            workloads.Add((name, rows));
            await SettleAsync(name).ConfigureAwait(false);
            var perTarget = states.ToDictionary(st => st.Target.Name, _ => new List<Sample>());
            Results[name] = perTarget;
            var roundCount = rounds ?? s.Rounds;
            var profiledRound = s.PerfRound > 0 ? Math.Min(s.PerfRound, roundCount) : roundCount;
            for (var round = 1; round <= roundCount; round++)
            {
                // Each round starts one server further along, so that no server always runs right
                // after the same other one, and its place in the order is not a constant of its
                // results.
                foreach (var st in states.Skip((round - 1) % states.Count).Concat(states.Take((round - 1) % states.Count)))
                {
                    using var profiler = round == profiledRound ? Profiler.Start(name, st.Target) : null;
                    var self = Process.GetCurrentProcess();
                    var c0 = ProcStats.CpuSeconds(st.Target.Pid);
                    var d0 = ProcStats.CpuSeconds(st.Target.DbPid, withChildren: true);
                    var w0 = ProcStats.RunQueueWaitSeconds(st.Target.Pid);
                    var p0 = ProcStats.CpuPressureSeconds();
                    self.Refresh();
                    var g0 = self.TotalProcessorTime.TotalSeconds;
                    st.PeakRssMiB = Math.Max(st.PeakRssMiB, ProcStats.StatusMiB(st.Target.Pid, "VmHWM"));
                    var peakReset = ProcStats.ResetPeakRss(st.Target.Pid);
                    var sw = Stopwatch.StartNew();
                    var metrics = await run(st).ConfigureAwait(false);
                    var wall = sw.Elapsed.TotalSeconds;
                    var roundPeak = ProcStats.StatusMiB(st.Target.Pid, "VmHWM");
                    self.Refresh();
                    var sample = new Sample(
                        metrics,
                        (ProcStats.CpuSeconds(st.Target.Pid) - c0) / wall,
                        Math.Max(0, ProcStats.CpuSeconds(st.Target.DbPid, withChildren: true) - d0) / wall, // backends come and go
                        (self.TotalProcessorTime.TotalSeconds - g0) / wall,
                        // Threads that exit during the round take their counts with them: never below 0.
                        Math.Max(0, ProcStats.RunQueueWaitSeconds(st.Target.Pid) - w0) / wall,
                        (ProcStats.CpuPressureSeconds() - p0) / wall,
                        // Peak of this round only where VmHWM could be reset, else NaN (not known).
                        peakReset ? roundPeak : double.NaN);
                    st.PeakRssMiB = Math.Max(st.PeakRssMiB, roundPeak);
                    profiler?.Stop();
                    perTarget[st.Target.Name].Add(sample);
                    var shown = string.Join(", ", metrics.Select(m => $"{m.Key}={m.Value:0.##}"));
                    Console.Error.WriteLine(
                        $"[{DateTime.UtcNow:HH:mm:ss}] {name} round {round} {st.Target.Name}: {shown} " +
                        $"(server {sample.ServerCores:0.00} cores, waiting {sample.ServerWaitCores:0.00}{(st.Target.DbPid > 0 ? $", db {sample.DbCores:0.00}" : "")}, " +
                        $"loadgen {sample.LoadGenCores:0.00}, CPU pressure {sample.CpuPressure:P0}, peak RSS {sample.PeakRssMiB:0} MiB)");
                }
            }
        }

        private static async Task<double> ConcurrentAsync(int total, int concurrency, Func<int, Task> op)
        {
            var next = -1;
            var sw = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, Math.Min(concurrency, total)).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < total)
                {
                    await op(i).ConfigureAwait(false);
                }
            }))).ConfigureAwait(false);
            return sw.Elapsed.TotalSeconds;
        }

        public string RenderTable()
        {
            var reference = targets[0].Name;
            var ours = targets.Skip(1).Select(t => t.Name).ToList();
            var sb = new StringBuilder();
            sb.Append("| workload | unit | ").Append(reference);
            foreach (var o in ours)
            {
                sb.Append(" | ").Append(o).Append(" | ").Append(o).Append(" / ").Append(reference);
            }

            sb.AppendLine(" | target | met |");
            sb.Append("| --- | --- | ---:");
            foreach (var _ in ours)
            {
                sb.Append(" | ---: | ---:");
            }

            sb.AppendLine(" | --- | --- |");
            foreach (var (name, rows) in workloads)
            {
                foreach (var row in rows)
                {
                    var refValue = Median(name, reference, row.Key);
                    sb.Append("| ").Append(row.Label).Append(" | ").Append(row.Unit).Append(" | ").Append(Fmt(refValue));
                    var verdicts = new List<string>();
                    foreach (var o in ours)
                    {
                        var v = Median(name, o, row.Key);
                        sb.Append(" | ").Append(Fmt(v)).Append(" | ").Append(refValue > 0 ? (v / refValue).ToString("0.00", CultureInfo.InvariantCulture) + "×" : "–");
                        if (row.Goal is not null)
                        {
                            verdicts.Add($"{o}: {(row.Goal.Met(v, refValue, key => Median(name, o, key)) ? "met" : "NOT met")}");
                        }
                    }

                    sb.Append(" | ").Append(row.Goal?.Text ?? "–").Append(" | ").Append(verdicts.Count > 0 ? string.Join("; ", verdicts) : "–").AppendLine(" |");
                }
            }

            sb.AppendLine();
            sb.AppendLine("CPU during each workload (medians over rounds). cores = CPU seconds / wall seconds of the server");
            sb.AppendLine("process (and, for PostgreSQL, of the database processes); CPU/op = those CPU seconds per unit of the");
            sb.AppendLine("workload's first row (write, record, request, MB, session), in ms, which depends less on what else the");
            sb.AppendLine("machine runs than throughput does; ratio = reference CPU/op ÷ ours. waiting = server threads runnable but");
            sb.AppendLine("without a CPU (run-queue wait from /proc/pid/task/*/schedstat, in cores); CPU pressure = share of the time");
            sb.AppendLine("some task on the machine waited for a CPU (/proc/pressure/cpu).");
            sb.AppendLine();
            sb.Append("| workload");
            foreach (var t in targets)
            {
                sb.Append(" | ").Append(t.Name).Append(" cores");
                if (t.DbPid > 0)
                {
                    sb.Append(" | ").Append(t.Name).Append(" db cores");
                }

                sb.Append(" | ").Append(t.Name).Append(" waiting | ").Append(t.Name).Append(" CPU/op");
                if (t.Name != reference)
                {
                    sb.Append(" | ratio");
                }
            }

            sb.AppendLine(" | load generator cores (max) | CPU pressure |");
            sb.Append("| ---");
            foreach (var t in targets)
            {
                sb.Append(t.DbPid > 0 ? " | ---: | ---: | ---: | ---:" : " | ---: | ---: | ---:");
                if (t.Name != reference)
                {
                    sb.Append(" | ---:");
                }
            }

            sb.AppendLine(" | ---: | ---: |");
            foreach (var (name, rows) in workloads.Where(w => w.Workload != "memory"))
            {
                var first = rows[0];
                var perOp = first.HigherIsBetter && first.Unit.EndsWith("/s", StringComparison.Ordinal);
                double CpuPerOp(string target) => perOp
                    ? Stats.Median(Results[name][target].Select(x => (x.ServerCores + x.DbCores) * 1000 / x.Metrics[first.Key]))
                    : double.NaN;
                var refPerOp = CpuPerOp(reference);
                sb.Append("| ").Append(name);
                foreach (var t in targets)
                {
                    var samples = Results[name][t.Name];
                    sb.Append(" | ").Append(Stats.Median(samples.Select(x => x.ServerCores)).ToString("0.00", CultureInfo.InvariantCulture));
                    if (t.DbPid > 0)
                    {
                        sb.Append(" | ").Append(Stats.Median(samples.Select(x => x.DbCores)).ToString("0.00", CultureInfo.InvariantCulture));
                    }

                    sb.Append(" | ").Append(Stats.Median(samples.Select(x => x.ServerWaitCores)).ToString("0.00", CultureInfo.InvariantCulture));
                    var mine = CpuPerOp(t.Name);
                    sb.Append(" | ").Append(Fmt(mine));
                    if (t.Name != reference)
                    {
                        sb.Append(" | ").Append(perOp && mine > 0 ? (refPerOp / mine).ToString("0.00", CultureInfo.InvariantCulture) + "×" : "–");
                    }
                }

                var gen = targets.Max(t => Stats.Median(Results[name][t.Name].Select(x => x.LoadGenCores)));
                var pressure = Stats.Median(targets.SelectMany(t => Results[name][t.Name].Select(x => x.CpuPressure)));
                sb.Append(" | ").Append(gen.ToString("0.00", CultureInfo.InvariantCulture))
                    .Append(" | ").Append(pressure.ToString("P0", CultureInfo.InvariantCulture)).AppendLine(" |");
            }

            RenderPeakMemory(sb, reference);
            RenderMemoryByKind(sb);
            return sb.ToString();
        }

        /// <summary>The fourth table: what each server's resident set holds at the end of the run.</summary>
        private void RenderMemoryByKind(StringBuilder sb)
        {
            sb.AppendLine();
            sb.AppendLine("Resident memory by kind at the end of the run (MiB, from /proc/pid/smaps): files = the runtime,");
            sb.AppendLine("assemblies and native libraries mapped from disk; .NET's runtime maps its own memory from a");
            sb.AppendLine("memfd:doublemapper file: runtime code = its executable pages (JIT-compiled code, stubs), runtime");
            sb.AppendLine("data = its writable ones (the loader heaps: type and method data); anonymous = heaps, stacks (and");
            sb.AppendLine("all of Node's code and type data).");
            sb.AppendLine();
            sb.AppendLine("| server | files | runtime code | runtime data | anonymous | total |");
            sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: |");
            foreach (var st in states)
            {
                var (files, code, data, anonymous) = st.EndRssByKindMiB;
                sb.Append("| ").Append(st.Target.Name)
                    .Append(" | ").Append(Fmt(files))
                    .Append(" | ").Append(Fmt(code))
                    .Append(" | ").Append(Fmt(data))
                    .Append(" | ").Append(Fmt(anonymous))
                    .Append(" | ").Append(Fmt(files + code + data + anonymous)).AppendLine(" |");
            }
        }

        /// <summary>The third table: each server's peak resident set during each workload (the highest
        /// of its rounds), which says which workload sets the peak of the run.</summary>
        private void RenderPeakMemory(StringBuilder sb, string reference)
        {
            sb.AppendLine();
            sb.AppendLine("Peak resident memory during each workload (MiB; VmHWM reset before every round, highest round shown;");
            sb.AppendLine("ratio = ours ÷ reference).");
            sb.AppendLine();
            sb.Append("| workload");
            foreach (var t in targets)
            {
                sb.Append(" | ").Append(t.Name);
                if (t.Name != reference)
                {
                    sb.Append(" | ratio");
                }
            }

            sb.AppendLine(" |");
            sb.Append("| ---");
            foreach (var t in targets)
            {
                sb.Append(t.Name != reference ? " | ---: | ---:" : " | ---:");
            }

            sb.AppendLine(" |");
            foreach (var (name, _) in workloads.Where(w => w.Workload != "memory"))
            {
                double Peak(string target) => Results[name][target].Select(x => x.PeakRssMiB).DefaultIfEmpty(double.NaN).Max();
                var refPeak = Peak(reference);
                sb.Append("| ").Append(name);
                foreach (var t in targets)
                {
                    var peak = Peak(t.Name);
                    sb.Append(" | ").Append(Fmt(peak));
                    if (t.Name != reference)
                    {
                        sb.Append(" | ").Append(refPeak > 0 && !double.IsNaN(peak) ? (peak / refPeak).ToString("0.00", CultureInfo.InvariantCulture) + "×" : "–");
                    }
                }

                sb.AppendLine(" |");
            }
        }

        private double Median(string workload, string target, string key) =>
            Stats.Median(Results[workload][target].Select(x => x.Metrics.TryGetValue(key, out var v) ? v : double.NaN));

        private static string Fmt(double v) => double.IsNaN(v) ? "–" : v switch
        {
            >= 100 => v.ToString("#,0", CultureInfo.InvariantCulture),
            >= 10 => v.ToString("0.0", CultureInfo.InvariantCulture),
            _ => v.ToString("0.00", CultureInfo.InvariantCulture),
        };
    }
}
