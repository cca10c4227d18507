using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Pds.Application.OAuth;

namespace Pds.Infrastructure.OAuth;

/// <summary>
/// Fetches client metadata and JWKS documents as the atproto OAuth profile asks: no redirects,
/// a 200 JSON object only, at most 64 KiB, within five seconds, and never to private, loopback or
/// link-local addresses (checked on the address actually connected to, so DNS rebinding does not
/// help). Loopback is reachable only when development settings allow loopback client metadata.
/// </summary>
public sealed class SafeDocumentFetcher : IOAuthDocumentFetcher, IDisposable
{
    private const int MaxBytes = 64 * 1024;
    private readonly HttpClient _http;

    public SafeDocumentFetcher(OAuthSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var handler = CreateGuardedHandler(settings.AllowLoopbackClientMetadata);
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
        _http.DefaultRequestHeaders.Accept.ParseAdd("application/json");
    }

    /// <summary>
    /// A small binary document (a lexicon record's proof CAR) through the same guard: 200 only, at
    /// most <paramref name="maxBytes"/>. Throws <see cref="HttpRequestException"/> otherwise.
    /// </summary>
    public async Task<byte[]> FetchBytesAsync(Uri url, int maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Clear();
        request.Headers.Accept.ParseAdd("application/vnd.ipld.car");
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new HttpRequestException($"{url} answered {(int)response.StatusCode}");
            }

            return await Http.LimitedBody.TryReadAsync(response, maxBytes, cancellationToken).ConfigureAwait(false)
                ?? throw new HttpRequestException($"{url} is larger than {maxBytes} bytes");
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new HttpRequestException($"{url} timed out", e);
        }
    }

    public async Task<JsonElement> FetchJsonAsync(Uri url, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        try
        {
            using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw OAuthException.InvalidClient($"{url} answered {(int)response.StatusCode}; a 200 is required");
            }

            if (response.Content.Headers.ContentType?.MediaType != "application/json")
            {
                throw OAuthException.InvalidClient($"{url} is not served as application/json");
            }

            var body = await Http.LimitedBody.TryReadAsync(response, MaxBytes, cancellationToken).ConfigureAwait(false)
                ?? throw OAuthException.InvalidClient($"{url} is larger than {MaxBytes} bytes");
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 32 });
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? document.RootElement.Clone()
                : throw OAuthException.InvalidClient($"{url} is not a JSON object");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or IOException)
        {
            throw OAuthException.InvalidClient($"could not fetch {url}: {e.Message}");
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>
    /// An HTTP handler that connects only to public addresses (loopback too when
    /// <paramref name="allowLoopback"/>), checked on the address actually dialled so DNS cannot
    /// point it inward, and that never follows redirects.
    /// </summary>
    public static SocketsHttpHandler CreateGuardedHandler(bool allowLoopback) => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectCallback = async (context, ct) =>
        {
            var addresses = IPAddress.TryParse(context.DnsEndPoint.Host.Trim('[', ']'), out var literal)
                ? [literal]
                : await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, ct).ConfigureAwait(false);
            var allowed = addresses.Where(a => IsPublic(a) || allowLoopback && IPAddress.IsLoopback(a)).ToArray();
            if (allowed.Length == 0)
            {
                throw new HttpRequestException($"{context.DnsEndPoint.Host} does not resolve to a public address");
            }

            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, ct).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    /// <summary>Not loopback, private (RFC 1918, ULA), link-local, CGNAT, multicast or unspecified.</summary>
    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
        {
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] == 10 || b[0] == 0 || b[0] >= 224
                || b[0] == 172 && b[1] >= 16 && b[1] <= 31
                || b[0] == 192 && b[1] == 168
                || b[0] == 169 && b[1] == 254
                || b[0] == 100 && b[1] >= 64 && b[1] <= 127);
        }

        return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal || address.IsIPv6Multicast);
    }
}
