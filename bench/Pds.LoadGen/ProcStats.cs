using System.Globalization;

namespace Pds.LoadGen;

/// <summary>CPU time and resident memory of server processes, read from /proc.</summary>
public static class ProcStats
{
    private const double TicksPerSecond = 100.0; // USER_HZ on Linux

    /// <summary>User + system CPU seconds of <paramref name="pid"/>, plus those of its direct
    /// children when <paramref name="withChildren"/> (a PostgreSQL postmaster and its backends).</summary>
    public static double CpuSeconds(int pid, bool withChildren = false)
    {
        if (pid <= 0)
        {
            return 0;
        }

        if (!withChildren)
        {
            return ReadStat(pid) is { } s ? s.Cpu : 0;
        }

        double total = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.Integer, CultureInfo.InvariantCulture, out var p))
            {
                continue;
            }

            if (ReadStat(p) is { } s && (p == pid || s.Ppid == pid))
            {
                total += s.Cpu;
            }
        }

        return total;
    }

    /// <summary>Seconds the threads of <paramref name="pid"/> have spent runnable but waiting for a CPU
    /// (second field of /proc/pid/task/*/schedstat; threads that have exited are not counted).</summary>
    public static double RunQueueWaitSeconds(int pid)
    {
        if (pid <= 0)
        {
            return 0;
        }

        double total = 0;
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    var f = File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ');
                    total += long.Parse(f[1], CultureInfo.InvariantCulture) / 1e9;
                }
                catch (IOException)
                {
                }
            }
        }
        catch (IOException)
        {
        }

        return total;
    }

    /// <summary>Seconds during which some runnable task on the machine waited for a CPU
    /// (/proc/pressure/cpu "some" total); 0 where pressure stall information is not available.</summary>
    public static double CpuPressureSeconds()
    {
        try
        {
            var line = File.ReadLines("/proc/pressure/cpu").First(l => l.StartsWith("some", StringComparison.Ordinal));
            var total = line[(line.IndexOf("total=", StringComparison.Ordinal) + 6)..];
            return long.Parse(total, CultureInfo.InvariantCulture) / 1e6;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or FormatException)
        {
            return 0;
        }
    }

    /// <summary>CPU seconds the whole machine has spent busy since boot: user, nice, system, irq,
    /// softirq and steal time of every CPU (the first line of /proc/stat; guest time is in user).</summary>
    public static double MachineBusySeconds()
    {
        var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long Field(int i) => i < f.Length ? long.Parse(f[i], CultureInfo.InvariantCulture) : 0;
        return (Field(1) + Field(2) + Field(3) + Field(6) + Field(7) + Field(8)) / TicksPerSecond;
    }

    /// <summary>Direct children of <paramref name="pid"/>.</summary>
    public static IReadOnlyList<int> Children(int pid)
    {
        var result = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.Integer, CultureInfo.InvariantCulture, out var p)
                && ReadStat(p) is { } s && s.Ppid == pid)
            {
                result.Add(p);
            }
        }

        return result;
    }

    /// <summary>Resets the peak resident set (VmHWM) of <paramref name="pid"/> to its current resident
    /// set (writing 5 to /proc/pid/clear_refs, Linux 4.0+), so a later VmHWM is the peak since now.
    /// False where that is not allowed; VmHWM then keeps counting from the process's start.</summary>
    public static bool ResetPeakRss(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }

        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// The resident set of <paramref name="pid"/> by kind, in MiB, from /proc/pid/smaps: pages of
    /// mapped files (the runtime, assemblies, native libraries); the .NET runtime's own memory,
    /// which it maps from a <c>memfd:doublemapper</c> file (so that code is never writable and
    /// executable at once), split into its executable pages (JIT-compiled code, stubs) and its
    /// writable ones (the loader heaps: type and method data, precode data); and anonymous memory
    /// (heaps, stacks; also compiled code in processes that keep it there, such as Node).
    /// </summary>
    public static (double Files, double RuntimeCode, double RuntimeData, double Anonymous) ResidentByKindMiB(int pid)
    {
        if (pid <= 0)
        {
            return (double.NaN, double.NaN, double.NaN, double.NaN);
        }

        long files = 0, code = 0, data = 0, anonymous = 0;
        var kind = 0;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
            {
                if (line.StartsWith("Rss:", StringComparison.Ordinal))
                {
                    var kb = long.Parse(line[4..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                    switch (kind)
                    {
                        case 1: files += kb; break;
                        case 2: code += kb; break;
                        case 3: data += kb; break;
                        default: anonymous += kb; break;
                    }
                }
                else if (IsMappingHeader(line))
                {
                    var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
                    var path = fields.Length > 5 ? fields[5].Trim() : "";
                    kind = path.Contains("doublemapper", StringComparison.Ordinal) ? (fields[1].Contains('x', StringComparison.Ordinal) ? 2 : 3)
                        : path.StartsWith('/') ? 1 : 0;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (double.NaN, double.NaN, double.NaN, double.NaN);
        }

        return (files / 1024.0, code / 1024.0, data / 1024.0, anonymous / 1024.0);

        // A mapping's first line starts with its address range ("55d0c0a00000-55d0c0a21000 r--p
        // 00000000 fd:01 1234 /usr/bin/x"); the attribute lines ("Rss:", "VmFlags:") with a name.
        static bool IsMappingHeader(string line)
        {
            var dash = line.IndexOf('-', StringComparison.Ordinal);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            return dash > 0 && space > dash && !line.AsSpan(0, dash).ContainsAnyExcept("0123456789abcdef");
        }
    }

    /// <summary>A field of /proc/pid/status in MiB (VmRSS: resident now; VmHWM: peak resident).</summary>
    public static double StatusMiB(int pid, string field)
    {
        if (pid <= 0)
        {
            return 0;
        }

        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                var kb = line[(field.Length + 1)..].Trim().Split(' ')[0];
                return double.Parse(kb, CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        return 0;
    }

    private static (double Cpu, int Ppid)? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // Fields after the parenthesised command name: state ppid ... utime(14) stime(15).
        var rest = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        var ppid = int.Parse(rest[1], CultureInfo.InvariantCulture);
        var utime = long.Parse(rest[11], CultureInfo.InvariantCulture);
        var stime = long.Parse(rest[12], CultureInfo.InvariantCulture);
        return ((utime + stime) / TicksPerSecond, ppid);
    }
}
