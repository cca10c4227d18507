using System.Net.Http.Json;

namespace Pds.Infrastructure.Crawlers;

/// <summary>The one HTTP call to a crawler: <c>com.atproto.sync.requestCrawl</c> with this server's hostname.</summary>
public sealed class CrawlerClient(IHttpClientFactory httpClients)
{
    public const string HttpClientName = "crawlers";

    /// <summary>Succeeds when the crawler answers 2xx; throws <see cref="HttpRequestException"/> (or a timeout) otherwise.</summary>
    public async Task RequestCrawlAsync(Uri crawler, string hostname, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(crawler);
        var endpoint = new Uri(crawler, "/xrpc/com.atproto.sync.requestCrawl");
        using var http = httpClients.CreateClient(HttpClientName);
        using var response = await http.PostAsJsonAsync(endpoint, new RequestCrawlInput(hostname), cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"requestCrawl answered {(int)response.StatusCode}", null, response.StatusCode);
        }
    }

    private sealed record RequestCrawlInput(string Hostname);
}
