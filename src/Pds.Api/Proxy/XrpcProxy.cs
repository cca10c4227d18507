using System.Buffers;
using System.Net;
using System.Text.Json;
using Pds.Api.Auth;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Application.Common.Errors;
using Pds.Application.Proxy;

namespace Pds.Api.Proxy;

/// <summary>
/// Relays an XRPC call this server does not answer itself to the service named by the
/// <c>atproto-proxy</c> header (or the AppView for <c>app.bsky.*</c>), authenticated as the caller
/// with a service-auth token signed by the caller's repo key. Bodies stream both ways within the
/// configured size and time limits; an unreachable, slow or failing upstream is
/// <c>UpstreamFailure</c> / <c>UpstreamTimeout</c>.
/// </summary>
internal static partial class XrpcProxy
{
    /// <summary>Targets from DID documents: outbound connections only to public addresses.</summary>
    public const string GuardedClient = "xrpc-proxy";

    /// <summary>Targets the operator configured (the AppView): any address.</summary>
    public const string TrustedClient = "xrpc-proxy-trusted";

    private static readonly string[] ForwardedRequestHeaders = ["accept-language", "atproto-accept-labelers", "x-bsky-topics"];
    private static readonly string[] ForwardedResponseHeaders = ["atproto-repo-rev", "atproto-content-labelers", "retry-after", "content-language"];

    public static void AddXrpcProxy(this IServiceCollection services)
    {
        services.AddHttpClient(GuardedClient)
            .ConfigurePrimaryHttpMessageHandler(sp => Pds.Infrastructure.OAuth.SafeDocumentFetcher.CreateGuardedHandler(sp.GetRequiredService<PdsOptions>().Service.DevMode))
            .ConfigureHttpClient(http => http.Timeout = Timeout.InfiniteTimeSpan);
        services.AddHttpClient(TrustedClient)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                AutomaticDecompression = DecompressionMethods.None,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            })
            .ConfigureHttpClient(http => http.Timeout = Timeout.InfiniteTimeSpan);
    }

    /// <summary>Whether a call to <paramref name="nsid"/> has somewhere to go (otherwise it is not implemented here).</summary>
    public static bool HasTarget(HttpContext http, string nsid, PdsOptions options) =>
        http.Request.Headers.ContainsKey("atproto-proxy")
        || nsid.StartsWith("chat.bsky.", StringComparison.Ordinal)
        || nsid.StartsWith("app.bsky.", StringComparison.Ordinal) && options.Service.BskyAppViewUrl is not null;

    public static async Task ForwardAsync(HttpContext http, string lxm)
    {
        var request = http.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsPost(request.Method))
        {
            throw XrpcException.InvalidRequest("XRPC requests only supports GET and POST");
        }

        var services = http.RequestServices;
        var options = services.GetRequiredService<PdsOptions>();
        await services.GetRequiredService<AuthVerifier>()
            .AuthenticateAsync(http, AuthRequirement.Standard with { CheckTakedown = true }, lxm).ConfigureAwait(false);
        var credentials = services.GetRequiredService<IRequestContext>().Credentials!;
        ServiceProxyPolicy.CheckAllowed(lxm, credentials);

        var header = request.Headers["atproto-proxy"].ToString();
        byte[]? bufferedBody = null;
        ProxyTarget target;
        if (lxm == RegisterPush && string.IsNullOrEmpty(header) && HttpMethods.IsPost(request.Method))
        {
            // Push registrations go to the notification service the body names, as the reference PDS sends them.
            bufferedBody = await ReadBodyAsync(request, options.Limits.JsonBodyLimit, http.RequestAborted).ConfigureAwait(false);
            target = await services.GetRequiredService<ServiceProxyResolver>().ResolvePushServiceAsync(bufferedBody, http.RequestAborted).ConfigureAwait(false);
        }
        else
        {
            target = await services.GetRequiredService<ServiceProxyResolver>().ResolveAsync(header, lxm, http.RequestAborted).ConfigureAwait(false);
        }

        if (credentials.IsOAuth && !credentials.Permissions.AllowsRpc(target.Aud, lxm))
        {
            throw AuthCredentials.MissingScope(Pds.Domain.OAuth.ScopePermissions.RpcScope(target.Aud, lxm));
        }

        var did = credentials.RequireDid();
        var token = await services.GetRequiredService<ProxyServiceAuth>().IssueAsync(did, target.Aud, lxm, http.RequestAborted).ConfigureAwait(false);

        var upstreamUrl = new Uri(target.Endpoint, request.Path.Value + request.QueryString.Value);
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), upstreamUrl);
        message.Headers.TryAddWithoutValidation("authorization", "Bearer " + token);
        // Answers that may be patched with the user's newest records are fetched uncompressed.
        var readAfterWrite = HttpMethods.IsGet(request.Method) && ReadAfterWrite.Methods.Contains(lxm);
        message.Headers.TryAddWithoutValidation("accept-encoding", readAfterWrite ? "identity" : request.Headers.AcceptEncoding.Count > 0 ? request.Headers.AcceptEncoding.ToString() : "identity");
        foreach (var name in ForwardedRequestHeaders)
        {
            if (request.Headers.TryGetValue(name, out var value))
            {
                message.Headers.TryAddWithoutValidation(name, value.ToString());
            }
        }

        if (HttpMethods.IsPost(request.Method))
        {
            var limit = Math.Max(options.Limits.JsonBodyLimit, options.Blobstore.UploadLimit);
            if (request.ContentLength > limit)
            {
                throw new XrpcException(StatusCodes.Status413PayloadTooLarge, XrpcErrorNames.PayloadTooLarge, "request entity too large");
            }

            message.Content = bufferedBody is not null ? new ByteArrayContent(bufferedBody) : new StreamContent(new LimitedStream(request.Body, limit));
            if (request.ContentType is { } contentType)
            {
                message.Content.Headers.TryAddWithoutValidation("content-type", contentType);
            }

            if (request.Headers.ContentEncoding.Count > 0)
            {
                message.Content.Headers.TryAddWithoutValidation("content-encoding", request.Headers.ContentEncoding.ToString());
            }

            if (bufferedBody is null && request.ContentLength is { } length)
            {
                message.Content.Headers.ContentLength = length;
            }
        }

        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient(string.IsNullOrEmpty(header) ? TrustedClient : GuardedClient);
        using var headersTimeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        headersTimeout.CancelAfter(options.Limits.ProxyHeadersTimeout);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, headersTimeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
        {
            throw new XrpcException(StatusCodes.Status504GatewayTimeout, XrpcErrorNames.UpstreamTimeout, "Upstream service timed out");
        }
        catch (HttpRequestException e)
        {
            LogUnreachable(services.GetRequiredService<ILoggerFactory>().CreateLogger("Pds.Api.Proxy"), target.Endpoint.Host, e.Message);
            throw new XrpcException(StatusCodes.Status502BadGateway, XrpcErrorNames.UpstreamFailure, "Upstream service unreachable");
        }

        using (response)
        {
            if ((int)response.StatusCode >= 400)
            {
                var error = await UpstreamErrorAsync(response, http.RequestAborted).ConfigureAwait(false);
                if (readAfterWrite && lxm == "app.bsky.feed.getPostThread" && error.Error == "NotFound"
                    && await LocalThreadAsync(http, did, RepoRev(response), request.Query["uri"].ToString()).ConfigureAwait(false))
                {
                    return;
                }

                throw error;
            }

            if (readAfterWrite && response.StatusCode == HttpStatusCode.OK && RepoRev(response) is { } rev
                && await PatchAsync(http, response, lxm, did, rev, options).ConfigureAwait(false))
            {
                return;
            }

            if (response.Content.Headers.ContentLength > options.Limits.ProxyMaxResponseSize)
            {
                throw new XrpcException(StatusCodes.Status502BadGateway, XrpcErrorNames.UpstreamFailure, "Upstream response too large");
            }

            http.Response.StatusCode = (int)response.StatusCode;
            var content = response.Content.Headers;
            if (content.ContentType is { } type)
            {
                http.Response.ContentType = type.ToString();
            }

            if (content.ContentLength is { } contentLength)
            {
                http.Response.ContentLength = contentLength;
            }

            if (content.ContentEncoding.Count > 0)
            {
                http.Response.Headers.ContentEncoding = string.Join(',', content.ContentEncoding);
            }

            CopyForwardedHeaders(http, response);

            using var bodyTimeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
            bodyTimeout.CancelAfter(options.Limits.ProxyBodyTimeout);
            var upstream = await response.Content.ReadAsStreamAsync(bodyTimeout.Token).ConfigureAwait(false);
            await using (upstream.ConfigureAwait(false))
            {
                var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
                try
                {
                    long total = 0;
                    int read;
                    while ((read = await upstream.ReadAsync(buffer, bodyTimeout.Token).ConfigureAwait(false)) > 0)
                    {
                        total += read;
                        if (total > options.Limits.ProxyMaxResponseSize)
                        {
                            // Headers are sent already: the only honest signal left is a broken response.
                            http.Abort();
                            return;
                        }

                        await http.Response.Body.WriteAsync(buffer.AsMemory(0, read), http.RequestAborted).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
                {
                    http.Abort();
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
    }

    private const string RegisterPush = "app.bsky.notification.registerPush";

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            throw new XrpcException(StatusCodes.Status413PayloadTooLarge, XrpcErrorNames.PayloadTooLarge, "request entity too large");
        }

        using var buffer = new MemoryStream();
        await new LimitedStream(request.Body, limit).CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    private static string? RepoRev(HttpResponseMessage response) =>
        response.Headers.TryGetValues("atproto-repo-rev", out var values) ? values.FirstOrDefault() : null;

    /// <summary>
    /// Read-after-write: when the user wrote records the AppView has not indexed (newer than the
    /// revision it reports), its answer is buffered, patched with them and sent; otherwise false
    /// and the answer streams through untouched.
    /// </summary>
    private static async Task<bool> PatchAsync(HttpContext http, HttpResponseMessage response, string lxm, string did, string rev, PdsOptions options)
    {
        var patcher = http.RequestServices.GetRequiredService<ReadAfterWrite>();
        var local = await patcher.GetSinceAsync(did, rev, http.RequestAborted).ConfigureAwait(false);
        if (local.IsEmpty || response.Content.Headers.ContentEncoding.Count > 0
            || response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.OrdinalIgnoreCase) != true)
        {
            return false;
        }

        byte[] bytes;
        using (var bodyTimeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted))
        {
            bodyTimeout.CancelAfter(options.Limits.ProxyBodyTimeout);
            try
            {
                bytes = await ReadLimitedAsync(response, options.Limits.ProxyMaxResponseSize, bodyTimeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
            {
                throw new XrpcException(StatusCodes.Status504GatewayTimeout, XrpcErrorNames.UpstreamTimeout, "Upstream service timed out");
            }
        }

        System.Text.Json.Nodes.JsonObject? body;
        try
        {
            body = System.Text.Json.Nodes.JsonNode.Parse(bytes) as System.Text.Json.Nodes.JsonObject;
        }
        catch (JsonException)
        {
            body = null;
        }

        var query = http.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        var changed = body is not null && patcher.Patch(lxm, query, did, local, body);
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/json; charset=utf-8";
        CopyForwardedHeaders(http, response);
        if (changed)
        {
            WriteLag(http, local);
            await http.Response.WriteAsync(body!.ToJsonString(), http.RequestAborted).ConfigureAwait(false);
        }
        else
        {
            await http.Response.Body.WriteAsync(bytes, http.RequestAborted).ConfigureAwait(false);
        }

        return true;
    }

    private static async Task<bool> LocalThreadAsync(HttpContext http, string did, string? rev, string uri)
    {
        if (rev is null || !uri.StartsWith("at://" + did + "/", StringComparison.Ordinal))
        {
            return false;
        }

        var patcher = http.RequestServices.GetRequiredService<ReadAfterWrite>();
        var local = await patcher.GetSinceAsync(did, rev, http.RequestAborted).ConfigureAwait(false);
        if (patcher.LocalThread(uri, did, local) is not { } thread)
        {
            return false;
        }

        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/json; charset=utf-8";
        WriteLag(http, local);
        await http.Response.WriteAsync(thread.ToJsonString(), http.RequestAborted).ConfigureAwait(false);
        return true;
    }

    private static void WriteLag(HttpContext http, LocalRecords local)
    {
        if (local.Oldest is { } oldest)
        {
            var lag = (long)Math.Max(0, (DateTime.UtcNow - oldest).TotalMilliseconds);
            http.Response.Headers["Atproto-Upstream-Lag"] = lag.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    private static void CopyForwardedHeaders(HttpContext http, HttpResponseMessage response)
    {
        foreach (var name in ForwardedResponseHeaders)
        {
            if (response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values))
            {
                http.Response.Headers[name] = string.Join(',', values);
            }
        }
    }

    private static async Task<byte[]> ReadLimitedAsync(HttpResponseMessage response, int limit, CancellationToken cancellationToken) =>
        await Pds.Infrastructure.Http.LimitedBody.TryReadAsync(response, limit, cancellationToken).ConfigureAwait(false)
            ?? throw new XrpcException(StatusCodes.Status502BadGateway, XrpcErrorNames.UpstreamFailure, "Upstream response too large");

    /// <summary>An upstream's error, passed on with its name and message; its 500s become UpstreamFailure.</summary>
    private static async Task<XrpcException> UpstreamErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        string? error = null;
        string? message = null;
        if (response.Content.Headers.ContentType?.MediaType is { } mediaType && mediaType.Contains("json", StringComparison.OrdinalIgnoreCase)
            && response.Content.Headers.ContentEncoding.Count == 0)
        {
            try
            {
                if (await Pds.Infrastructure.Http.LimitedBody.TryReadAsync(response, 64 * 1024, cancellationToken).ConfigureAwait(false) is { } bytes)
                {
                    using var document = JsonDocument.Parse(bytes);
                    if (document.RootElement.ValueKind != JsonValueKind.Object)
                    {
                        return status >= 500
                            ? new XrpcException(StatusCodes.Status502BadGateway, XrpcErrorNames.UpstreamFailure, "Upstream service failed")
                            : new XrpcException(status, XrpcErrorNames.InvalidRequest, $"Upstream service answered {status}");
                    }

                    error = document.RootElement.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
                    message = document.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                }
            }
            catch (Exception e) when (e is JsonException or IOException or HttpRequestException)
            {
                // Not a readable XRPC error: only the status is passed on.
            }
        }

        return status >= 500
            ? new XrpcException(StatusCodes.Status502BadGateway, XrpcErrorNames.UpstreamFailure, message ?? "Upstream service failed")
            : new XrpcException(status, error ?? XrpcErrorNames.InvalidRequest, message ?? $"Upstream service answered {status}");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "proxy upstream {Host} unreachable: {Reason}")]
    private static partial void LogUnreachable(ILogger logger, string host, string reason);

    /// <summary>A request body that fails once it passes its limit (for bodies sent without a length).</summary>
    private sealed class LimitedStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            _read += read;
            return _read > limit ? throw new XrpcException(StatusCodes.Status413PayloadTooLarge, XrpcErrorNames.PayloadTooLarge, "request entity too large") : read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
