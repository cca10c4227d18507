using System.Collections.Concurrent;
using System.Text;
using Pds.Application.Accounts;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Domain.Identity;

namespace Pds.Infrastructure.Identity;

/// <summary>
/// Resolves did:plc through the configured directory and did:web over HTTPS (http for localhost),
/// answering for did:web identities hosted here from the database. Documents are cached in this
/// process and, when Redis is configured, in a cache all processes share: a fresh entry is served as
/// is; a stale one is served at once while a background refresh fetches it again
/// (stale-while-revalidate); past the maximum TTL the network is asked, and a failure falls back to
/// the entry only while it is within that TTL.
/// </summary>
public sealed class DidResolver(
    IPlcClient plc,
    IHttpClientFactory httpClients,
    IAccountStore accounts,
    IRepoKeyStore keys,
    PdsOptions options,
    DidDocumentCache cache,
    ISharedIdentityCache shared,
    IdentityRefresher refresher,
    TimeProvider clock) : IDidResolver
{
    public const string HttpClientName = "did-web";
    public const int MaxDocumentBytes = 64 * 1024;

    public async Task<ResolvedDid?> ResolveAsync(string did, bool forceRefresh = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(did);
        var now = clock.GetUtcNow();
        var cached = cache.Get(did);
        if (cached is null && !forceRefresh && await shared.GetAsync("did:" + did, cancellationToken).ConfigureAwait(false) is { } fromShared)
        {
            try
            {
                cached = new CachedDid(new ResolvedDid(DidDocument.Parse(fromShared.Value, did), fromShared.Value), fromShared.FetchedAt);
                cache.Set(did, cached);
            }
            catch (Exception e) when (e is DidDocumentException or System.Text.Json.JsonException)
            {
                cached = null;
            }
        }

        if (!forceRefresh && cached is not null)
        {
            var age = now - cached.FetchedAt;
            if (age < options.Identity.CacheStaleTtl)
            {
                return cached.Resolved;
            }

            if (age < options.Identity.CacheMaxTtl)
            {
                refresher.RefreshDid(did);
                return cached.Resolved;
            }
        }

        try
        {
            var resolved = await FetchAsync(did, cancellationToken).ConfigureAwait(false);
            if (resolved is null)
            {
                cache.Remove(did);
                await shared.RemoveAsync("did:" + did, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                cache.Set(did, new CachedDid(resolved, now));
                await shared.SetAsync("did:" + did, resolved.Json, now, options.Identity.CacheMaxTtl, cancellationToken).ConfigureAwait(false);
            }

            return resolved;
        }
        catch (IdentityResolutionException) when (cached is not null && now - cached.FetchedAt < options.Identity.CacheMaxTtl)
        {
            return cached.Resolved;
        }
    }

    private async Task<ResolvedDid?> FetchAsync(string did, CancellationToken cancellationToken)
    {
        if (did.StartsWith("did:plc:", StringComparison.Ordinal))
        {
            if (!PlcDid.IsValid(did))
            {
                return null;
            }

            PlcData? data;
            try
            {
                data = await plc.GetDocumentDataAsync(did, cancellationToken).ConfigureAwait(false);
            }
            catch (PlcDirectoryException e)
            {
                throw new IdentityResolutionException($"PLC directory error: {e.Message}", e);
            }

            if (data is null)
            {
                return null;
            }

            var document = DidDocument.FromPlcData(data);
            return new ResolvedDid(document, document.ToJson());
        }

        if (did.StartsWith(HostedDidWeb.Prefix, StringComparison.Ordinal))
        {
            return await ResolveDidWebAsync(did, cancellationToken).ConfigureAwait(false);
        }

        throw new IdentityResolutionException("Unsupported DID method");
    }

    private async Task<ResolvedDid?> ResolveDidWebAsync(string did, CancellationToken cancellationToken)
    {
        var host = HostedDidWeb.HostOf(did) ?? throw new IdentityResolutionException("did:web with a path is not supported");

        // A did:web this server hosts is answered from its own records.
        var local = await accounts.GetByDidAsync(did, cancellationToken).ConfigureAwait(false);
        if (local is not null && options.Identity.ServiceHandleDomains.Any(d => host.EndsWith(d, StringComparison.Ordinal)))
        {
            using var key = await keys.GetAsync(did, cancellationToken).ConfigureAwait(false);
            if (key is not null)
            {
                var hosted = HostedDidWeb.Build(did, local.Handle, key.DidKey(), options);
                return new ResolvedDid(hosted, hosted.ToJson());
            }
        }

        var scheme = host == "localhost" || host.StartsWith("localhost:", StringComparison.Ordinal) ? "http" : "https";
        if (!Uri.TryCreate($"{scheme}://{host}/.well-known/did.json", UriKind.Absolute, out var url))
        {
            throw new IdentityResolutionException("Invalid did:web host");
        }

        var http = httpClients.CreateClient(HttpClientName);
        http.Timeout = options.Identity.ResolverTimeout;
        byte[] body;
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return null;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new IdentityResolutionException($"did:web host answered {(int)response.StatusCode}");
            }

            body = await HttpPlcClient.ReadLimitedAsync(response, cancellationToken, MaxDocumentBytes).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or PlcDirectoryException && !cancellationToken.IsCancellationRequested)
        {
            throw new IdentityResolutionException("Could not fetch the did:web document", e);
        }

        var json = Encoding.UTF8.GetString(body);
        try
        {
            return new ResolvedDid(DidDocument.Parse(json, did), json);
        }
        catch (Exception e) when (e is DidDocumentException or System.Text.Json.JsonException)
        {
            throw new IdentityResolutionException("Invalid DID document", e);
        }
    }
}

public sealed record CachedDid(ResolvedDid Resolved, DateTimeOffset FetchedAt);

/// <summary>The process-wide DID document cache, bounded in entries.</summary>
public sealed class DidDocumentCache
{
    private const int MaxEntries = 50_000;
    private readonly ConcurrentDictionary<string, CachedDid> _entries = new(StringComparer.Ordinal);

    public CachedDid? Get(string did) => _entries.TryGetValue(did, out var entry) ? entry : null;

    public void Set(string did, CachedDid entry)
    {
        if (_entries.Count >= MaxEntries)
        {
            // Crude but bounded: forget everything rather than grow without limit.
            _entries.Clear();
        }

        _entries[did] = entry;
    }

    public void Remove(string did) => _entries.TryRemove(did, out _);
}
