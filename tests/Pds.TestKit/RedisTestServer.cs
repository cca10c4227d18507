using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace Pds.TestKit;

/// <summary>
/// A real Redis (Debian's <c>redis-server</c>) on 127.0.0.1 with persistence off, for shared rate
/// limits. It stops with the fixture and carries a hard time limit. If it cannot start, tests using
/// it fail; they are never skipped.
/// </summary>
public sealed class RedisTestServer : IAsyncLifetime
{
    private Process? _process;

    public string Address { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var info = new ProcessStartInfo("timeout") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--signal=KILL", "1800", "redis-server", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no", "--protected-mode", "yes" })
        {
            info.ArgumentList.Add(argument);
        }

        _process = Process.Start(info) ?? throw new InvalidOperationException("could not start redis-server");
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Address = $"127.0.0.1:{port}";
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (attempt < 100 && !_process.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process?.Dispose();
        return Task.CompletedTask;
    }
}
