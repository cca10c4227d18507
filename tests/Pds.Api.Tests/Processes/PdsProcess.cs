using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pds.Api.Tests.Processes;

/// <summary>
/// The built server (<c>Pds.Api.dll</c> beside the tests) as its own operating-system process on
/// loopback, for what an in-process host cannot show: a hard kill, or two processes on one database.
/// The process runs under <c>timeout --signal=KILL</c>, so it stops by itself even if the tests die.
/// </summary>
public sealed class PdsProcess : IAsyncDisposable
{
    private static readonly TimeSpan HardLimit = TimeSpan.FromMinutes(10);

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private PdsProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        Client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public int Port { get; }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    /// <summary>What the process printed so far (for assertion messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the server with <paramref name="settings"/> as environment and waits until it answers.</summary>
    public static async Task<PdsProcess> StartAsync(IReadOnlyDictionary<string, string> settings, int? port = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        port ??= FreePort();
        var started = Launch(settings, port.Value, []);
        await started.WaitUntilHealthyAsync();
        return started;
    }

    /// <summary>
    /// Runs the built server with <paramref name="arguments"/> (a command such as <c>migrate</c>)
    /// until it exits, and returns its exit code and everything it printed.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(IReadOnlyDictionary<string, string> settings, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(settings);
        await using var run = Launch(settings, FreePort(), arguments);
        await run._process.WaitForExitAsync();
        return (run._process.ExitCode, run.Output);
    }

    // Starts the process, collecting what it prints.
    private static PdsProcess Launch(IReadOnlyDictionary<string, string> settings, int port, string[] arguments)
    {
        var process = new Process { StartInfo = StartInfo(settings, port, arguments) };
        var started = new PdsProcess(process, port);
        process.OutputDataReceived += (_, e) => started.Append(e.Data);
        process.ErrorDataReceived += (_, e) => started.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    private static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string> settings, int port, string[] arguments)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Pds.Api.dll");
        var info = new ProcessStartInfo("timeout")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--signal=KILL", ((int)HardLimit.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet", dll }.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in settings)
        {
            info.Environment[key] = value;
        }

        info.Environment["PDS_BIND_ADDRESS"] = "127.0.0.1";
        info.Environment["PDS_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["DOTNET_gcServer"] = "0";
        info.Environment.Remove("ASPNETCORE_URLS");
        return info;
    }

    /// <summary>
    /// The names of the files the server process has mapped (its assemblies and native libraries),
    /// from <c>/proc/&lt;pid&gt;/maps</c> of the process that <c>timeout</c> started.
    /// </summary>
    public IReadOnlySet<string> MappedFileNames() =>
        File.ReadLines($"/proc/{ServerPid()}/maps")
            .Select(line => line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length == 6 && fields[5].StartsWith('/'))
            .Select(fields => Path.GetFileName(fields[5].Trim()))
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>The server's resident set (<c>VmRSS</c>), in bytes.</summary>
    public long ResidentBytes()
    {
        var line = File.ReadLines($"/proc/{ServerPid()}/status").Single(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    // The server itself: the one child of the process that timeout started.
    private string ServerPid() =>
        Assert.Single(File.ReadAllText($"/proc/{_process.Id}/task/{_process.Id}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries));

    /// <summary>kill -9: no shutdown hooks, no flushing, nothing the server can do about it.</summary>
    public void KillHard()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        try
        {
            KillHard();
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        _process.Dispose();
        await Task.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private async Task WaitUntilHealthyAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the server exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await Client.GetAsync("/xrpc/_health");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        KillHard();
        throw new TimeoutException($"the server did not answer within a minute:\n{Output}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
