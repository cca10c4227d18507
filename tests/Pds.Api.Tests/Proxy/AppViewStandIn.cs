using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Pds.Domain.Auth;

namespace Pds.Api.Tests.Proxy;

/// <summary>
/// A stand-in for an AppView / chat service on loopback (the real ones are outside this machine's
/// reach). It is its own <c>did:web</c>, checks every call's service-auth JWT (signature against
/// the caller's key, <c>aud</c>, <c>lxm</c>, expiry) and answers what the test tells it to.
/// </summary>
public sealed class AppViewStandIn : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();

    public AppViewStandIn()
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        _listener.Prefixes.Add($"http://localhost:{Port}/");
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string Did => $"did:web:localhost%3A{Port}";

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Looks up the signing key (did:key) of a caller's DID; set by the test.</summary>
    public Func<string, Task<string?>> KeyOf { get; set; } = _ => Task.FromResult<string?>(null);

    /// <summary>The answer to a verified call: status, content type, body, extra headers.</summary>
    public Func<Received, Task<(int Status, string Body, Dictionary<string, string>? Headers)>> Respond { get; set; } =
        r => Task.FromResult((200, $$"""{"served":"{{r.Lxm}}"}""", (Dictionary<string, string>?)null));

    public ConcurrentQueue<Received> Calls { get; } = new();

    public sealed record Received(string Method, string PathAndQuery, string Lxm, string Iss, string Aud, string Body, IReadOnlyDictionary<string, string> Headers);

    private string DidDocument => $$"""
        {"@context":["https://www.w3.org/ns/did/v1"],"id":"{{Did}}",
         "service":[
           {"id":"#bsky_appview","type":"BskyAppView","serviceEndpoint":"http://localhost:{{Port}}"},
           {"id":"#bsky_chat","type":"BskyChatService","serviceEndpoint":"http://localhost:{{Port}}"},
           {"id":"#dead","type":"Nothing","serviceEndpoint":"http://127.0.0.1:1"}
         ]}
        """;

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
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

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            var path = context.Request.Url!.AbsolutePath;
            if (path == "/.well-known/did.json")
            {
                await WriteAsync(context, 200, DidDocument, null);
                return;
            }

            var lxm = path.StartsWith("/xrpc/", StringComparison.Ordinal) ? path["/xrpc/".Length..] : string.Empty;
            var header = context.Request.Headers["Authorization"] ?? string.Empty;
            var token = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..] : null;
            if (!ServiceAuthJwt.TryDecode(token, out var decoded, out _))
            {
                await WriteAsync(context, 401, """{"error":"AuthenticationRequired","message":"no service auth"}""", null);
                return;
            }

            var key = await KeyOf(decoded.Claims.IssuerDid.ToString());
            var audiences = new[] { Did + "#bsky_appview", Did + "#bsky_chat", Did };
            var verified = key is null ? default : ServiceAuthJwt.Verify(token, key, new ServiceJwtExpectations(audiences, lxm));
            if (!verified.IsValid)
            {
                await WriteAsync(context, 401, $$"""{"error":"BadJwt","message":"{{verified.Failure}}"}""", null);
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!.ToLowerInvariant(), k => context.Request.Headers[k]!);
            var received = new Received(context.Request.HttpMethod, context.Request.Url.PathAndQuery, lxm, verified.Claims!.Issuer, verified.Claims.Audience, body, headers);
            Calls.Enqueue(received);
            var (status, answer, extra) = await Respond(received);
            await WriteAsync(context, status, answer, extra);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The caller went away (a timeout under test).
        }
    }

    private static async Task WriteAsync(HttpListenerContext context, int status, string body, Dictionary<string, string>? headers)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        foreach (var (name, value) in headers ?? [])
        {
            context.Response.Headers[name] = value;
        }

        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
        _stop.Dispose();
    }
}
