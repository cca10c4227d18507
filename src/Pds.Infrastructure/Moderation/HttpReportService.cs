using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;

namespace Pds.Infrastructure.Moderation;

/// <summary>Forwards reports to the moderation service configured by <c>PDS_REPORT_SERVICE_URL</c>.</summary>
public sealed class HttpReportService(HttpClient http) : IReportService
{
    public async Task<JsonElement> CreateReportAsync(Uri serviceUrl, string serviceJwt, JsonElement input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(serviceUrl);
        var url = new Uri(serviceUrl, "/xrpc/com.atproto.moderation.createReport");
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(input) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", serviceJwt);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            throw new XrpcException(502, XrpcErrorNames.UpstreamFailure, "The moderation service could not be reached");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new XrpcException(504, XrpcErrorNames.UpstreamTimeout, "The moderation service did not answer in time");
        }

        using (response)
        {
            JsonElement body;
            try
            {
                body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException)
            {
                throw new XrpcException(502, XrpcErrorNames.UpstreamFailure, "The moderation service answered with invalid JSON");
            }

            if (response.IsSuccessStatusCode && body.ValueKind == JsonValueKind.Object)
            {
                return body;
            }

            // A refusal the client can act on (a bad subject, say) keeps its XRPC error; anything else is upstream's failure.
            if ((int)response.StatusCode is >= 400 and < 500
                && body.ValueKind == JsonValueKind.Object
                && body.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
            {
                var message = body.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : error.GetString()!;
                throw new XrpcException((int)response.StatusCode, error.GetString()!, message);
            }

            throw new XrpcException(502, XrpcErrorNames.UpstreamFailure, "The moderation service failed to take the report");
        }
    }
}
