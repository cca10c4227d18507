using System.Diagnostics;

namespace Pds.LoadGen;

/// <summary>With BENCH_PERF_DIR set, samples the server (and, for PostgreSQL, the database
/// processes) with Linux perf during the first round of each workload, into
/// <c>&lt;dir&gt;/&lt;workload&gt;.&lt;target&gt;.data</c>. The profiled round runs slower; use a
/// profiling run to find bounds, not for the table.</summary>
public sealed class Profiler : IDisposable
{
    private readonly Process process;

    private Profiler(Process process) => this.process = process;

    public static Profiler? Start(string workload, Target target)
    {
        var dir = Environment.GetEnvironmentVariable("BENCH_PERF_DIR");
        if (string.IsNullOrEmpty(dir) || target.Pid <= 0)
        {
            return null;
        }

        var pids = new List<int> { target.Pid };
        if (target.DbPid > 0)
        {
            pids.AddRange(ProcStats.Children(target.DbPid));
        }

        var safe = new string(workload.Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray());
        var psi = new ProcessStartInfo("perf")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var a in new[] { "record", "-F", "499", "-g", "-p", string.Join(',', pids), "-o", Path.Combine(dir, $"{safe}.{target.Name}.data") })
        {
            psi.ArgumentList.Add(a);
        }

        var p = Process.Start(psi)!;
        Thread.Sleep(300); // perf attaches asynchronously
        return new Profiler(p);
    }

    public void Stop()
    {
        if (process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }

        process.WaitForExit(30_000);
    }

    public void Dispose()
    {
        Stop();
        process.Dispose();
    }
}
