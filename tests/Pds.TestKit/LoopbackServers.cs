using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pds.TestKit;

/// <summary>
/// A minimal DNS server on loopback answering TXT queries from a table (NXDOMAIN otherwise),
/// standing in for the public DNS that handle resolution queries in production.
/// </summary>
public sealed class LoopbackDnsServer : IAsyncDisposable
{
    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LoopbackDnsServer()
    {
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>TXT records by lower-case name.</summary>
    public Dictionary<string, string[]> Txt { get; } = new(StringComparer.OrdinalIgnoreCase);

    public int Port => ((IPEndPoint)_udp.Client.LocalEndPoint!).Port;

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult request;
            try
            {
                request = await _udp.ReceiveAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var response = Answer(request.Buffer);
            if (response is not null)
            {
                await _udp.SendAsync(response, request.RemoteEndPoint, _stop.Token);
            }
        }
    }

    private byte[]? Answer(byte[] query)
    {
        if (query.Length < 12)
        {
            return null;
        }

        // Question: labels, then type and class.
        var position = 12;
        var labels = new List<string>();
        while (position < query.Length && query[position] != 0)
        {
            int length = query[position++];
            labels.Add(Encoding.ASCII.GetString(query, position, length));
            position += length;
        }

        var questionEnd = position + 5;
        var name = string.Join('.', labels);
        var type = (query[position + 1] << 8) | query[position + 2];
        var records = type == 16 && Txt.TryGetValue(name, out var found) ? found : [];

        using var output = new MemoryStream();
        output.Write(query, 0, 2);
        output.Write(records.Length > 0 ? [0x81, 0x80] : [0x81, 0x83]);
        output.Write([0, 1, 0, (byte)records.Length, 0, 0, 0, 0]);
        output.Write(query, 12, questionEnd - 12);
        foreach (var text in records)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            output.Write([0xC0, 0x0C, 0, 16, 0, 1, 0, 0, 0, 60]);
            output.Write([(byte)((bytes.Length + 1) >> 8), (byte)(bytes.Length + 1), (byte)bytes.Length]);
            output.Write(bytes);
        }

        return output.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _udp.Dispose();
        await _loop;
        _stop.Dispose();
    }
}

/// <summary>An HTTP server on loopback serving fixed bodies by path, standing in for a user's web host.</summary>
public sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly Task _loop;
    private HttpListener _listener = new();

    public LoopbackHttpServer()
    {
        for (var attempt = 0; ; attempt++)
        {
            // A port the system just handed out is free; a failed start disposes the listener, so each try gets a new one.
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                Port = ((IPEndPoint)probe.LocalEndpoint).Port;
            }

            _listener = new HttpListener();
            _listener.Prefixes.Add($"http://localhost:{Port}/");
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 20)
            {
            }
        }

        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; private set; }

    /// <summary>Response bodies by path; a missing path answers 404.</summary>
    public Dictionary<string, string> Bodies { get; } = new(StringComparer.Ordinal);

    public int Requests { get; private set; }

    /// <summary>Computed responses, consulted before <see cref="Bodies"/>: content type and bytes, or null.</summary>
    public Func<Uri, (string ContentType, byte[] Body)?>? Dynamic { get; set; }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            Requests++;
            var path = context.Request.Url!.AbsolutePath;
            if (Dynamic?.Invoke(context.Request.Url!) is { } computed)
            {
                context.Response.ContentType = computed.ContentType;
                await context.Response.OutputStream.WriteAsync(computed.Body);
            }
            else if (Bodies.TryGetValue(path, out var body))
            {
                var bytes = Encoding.UTF8.GetBytes(body);
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(bytes);
            }
            else
            {
                context.Response.StatusCode = 404;
            }

            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
