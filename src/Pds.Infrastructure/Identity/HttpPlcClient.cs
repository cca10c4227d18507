using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Pds.Application.Common.Abstractions;
using Pds.Domain.Identity;

namespace Pds.Infrastructure.Identity;

/// <summary>A did:plc directory over its HTTP API (plc.directory or a self-hosted one).</summary>
public sealed class HttpPlcClient(HttpClient http) : IPlcClient
{
    /// <summary>Largest directory response read; audit logs of long-lived DIDs stay far below it.</summary>
    public const int MaxResponseBytes = 1024 * 1024;

    public async Task<PlcData?> GetDocumentDataAsync(string did, CancellationToken cancellationToken = default)
    {
        var body = await GetAsync(did, "/data", cancellationToken).ConfigureAwait(false);
        return body is null ? null : PlcData.FromJson(Encoding.UTF8.GetString(body));
    }

    public async Task<PlcOperation?> GetLastOperationAsync(string did, CancellationToken cancellationToken = default)
    {
        var body = await GetAsync(did, "/log/last", cancellationToken).ConfigureAwait(false);
        return body is null ? null : PlcOperation.FromJson(body);
    }

    public async Task<IReadOnlyList<PlcLogEntry>> GetAuditLogAsync(string did, CancellationToken cancellationToken = default)
    {
        var body = await GetAsync(did, "/log/audit", cancellationToken).ConfigureAwait(false);
        return body is null ? [] : PlcLogEntry.ParseAuditLog(body);
    }

    public async Task SendOperationAsync(string did, PlcOperation operation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        EnsurePlcDid(did);
        using var content = new StringContent(operation.ToJson(), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync(UrlFor(did, string.Empty), content, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new PlcDirectoryException("The PLC directory could not be reached", e);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var body = await ReadLimitedAsync(response, cancellationToken).ConfigureAwait(false);
                throw new PlcDirectoryException((int)response.StatusCode, MessageOf(body) ?? $"PLC directory answered {(int)response.StatusCode}");
            }
        }
    }

    private async Task<byte[]?> GetAsync(string did, string suffix, CancellationToken cancellationToken)
    {
        EnsurePlcDid(did);
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync(UrlFor(did, suffix), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new PlcDirectoryException("The PLC directory could not be reached", e);
        }

        using (response)
        {
            if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
            {
                return null;
            }

            var body = await ReadLimitedAsync(response, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new PlcDirectoryException((int)response.StatusCode, MessageOf(body) ?? $"PLC directory answered {(int)response.StatusCode}");
            }

            return body;
        }
    }

    // "did:plc:..." would parse as an absolute URI with scheme "did", so paths are appended as text.
    private Uri UrlFor(string did, string suffix) =>
        new(http.BaseAddress!.AbsoluteUri.TrimEnd('/') + "/" + did + suffix, UriKind.Absolute);

    private static void EnsurePlcDid(string did)
    {
        if (!PlcDid.IsValid(did))
        {
            throw new ArgumentException("Not a did:plc.", nameof(did));
        }
    }

    internal static async Task<byte[]> ReadLimitedAsync(HttpResponseMessage response, CancellationToken cancellationToken, int limit = MaxResponseBytes) =>
        await Http.LimitedBody.TryReadAsync(response, limit, cancellationToken).ConfigureAwait(false)
            ?? throw new PlcDirectoryException((int)response.StatusCode, "response too large");

    private static string? MessageOf(byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String
                ? m.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
