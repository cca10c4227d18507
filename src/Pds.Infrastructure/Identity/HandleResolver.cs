using System.Net;
using System.Text;
using DnsClient;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Domain.Syntax;

namespace Pds.Infrastructure.Identity;

/// <summary>
/// Resolves handles over the network: the DNS TXT record <c>_atproto.&lt;handle&gt;</c> holding exactly
/// one <c>did=&lt;did&gt;</c>, then <c>https://&lt;handle&gt;/.well-known/atproto-did</c>.
/// </summary>
public sealed class HandleResolver(IHttpClientFactory httpClients, PdsOptions options, HandleResolverEndpoints endpoints) : IHandleResolver
{
    public const string HttpClientName = "handle-resolver";
    private const int MaxWellKnownBytes = 2048;

    public async Task<string?> ResolveAsync(string handle, bool forceRefresh = false, CancellationToken cancellationToken = default)
    {
        if (!Handle.TryParse(handle, out var parsed))
        {
            return null;
        }

        var name = parsed.ToString();
        return await ResolveDnsAsync(name, cancellationToken).ConfigureAwait(false)
            ?? await ResolveHttpAsync(name, cancellationToken).ConfigureAwait(false);
    }

    private Task<string?> ResolveDnsAsync(string handle, CancellationToken cancellationToken) =>
        ResolveTxtDidAsync("_atproto." + handle, cancellationToken);

    /// <summary>
    /// The one DID named by <c>did=...</c> TXT records at <paramref name="name"/> (the handle and
    /// lexicon resolution systems both publish this way), or null when there is not exactly one.
    /// </summary>
    public async Task<string?> ResolveTxtDidAsync(string name, CancellationToken cancellationToken = default)
    {
        var servers = endpoints.NameServers;
        var lookups = new List<LookupClient> { servers is null ? new LookupClient(Options(null)) : new LookupClient(Options(servers)) };
        if (servers is null && options.Identity.HandleBackupNameservers.Count > 0)
        {
            lookups.Add(new LookupClient(Options(options.Identity.HandleBackupNameservers.Select(ip => new NameServer(IPAddress.Parse(ip))).ToList())));
        }

        foreach (var lookup in lookups)
        {
            try
            {
                var result = await lookup.QueryAsync(name, QueryType.TXT, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (result.HasError && result.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
                {
                    continue;
                }

                var dids = result.Answers.TxtRecords()
                    .Select(r => string.Concat(r.Text))
                    .Where(t => t.StartsWith("did=", StringComparison.Ordinal))
                    .Select(t => t[4..].Trim())
                    .Distinct(StringComparer.Ordinal)
                    .ToList();
                return dids.Count == 1 && Did.TryParse(dids[0], out _) ? dids[0] : null;
            }
            catch (DnsResponseException)
            {
                // Try the next resolver.
            }
        }

        return null;
    }

    private LookupClientOptions Options(IReadOnlyList<NameServer>? servers)
    {
        var o = servers is null ? new LookupClientOptions() : new LookupClientOptions(servers.ToArray());
        o.Timeout = options.Identity.ResolverTimeout;
        o.Retries = 1;
        o.UseCache = true;
        o.ContinueOnDnsError = true;
        return o;
    }

    private async Task<string?> ResolveHttpAsync(string handle, CancellationToken cancellationToken)
    {
        var http = httpClients.CreateClient(HttpClientName);
        http.Timeout = options.Identity.ResolverTimeout;
        var url = endpoints.WellKnownUrl(handle);
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode || response.Content.Headers.ContentLength > MaxWellKnownBytes)
            {
                return null;
            }

            var body = await HttpPlcClient.ReadLimitedAsync(response, cancellationToken, MaxWellKnownBytes).ConfigureAwait(false);
            var first = Encoding.UTF8.GetString(body).Split('\n', 2)[0].Trim();
            return Did.TryParse(first, out _) ? first : null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or PlcDirectoryException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}

/// <summary>
/// Where handle resolution looks: the system's DNS and <c>https://&lt;handle&gt;</c> in production.
/// Tests point both at servers on loopback.
/// </summary>
public sealed class HandleResolverEndpoints
{
    public IReadOnlyList<NameServer>? NameServers { get; init; }

    public Func<string, Uri> WellKnownUrl { get; init; } = handle => new Uri($"https://{handle}/.well-known/atproto-did");
}
