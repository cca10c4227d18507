using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Pds.Application.Common.Abstractions;
using Pds.Application.OAuth;
using Pds.Domain.Data;
using Pds.Domain.OAuth;
using Pds.Domain.Repo;
using Pds.Domain.Repo.Car;
using Pds.Domain.Repo.Mst;
using Pds.Domain.Syntax;
using Pds.Infrastructure.Identity;
using Pds.Infrastructure.OAuth;

namespace Pds.Infrastructure.Lexicons;

/// <summary>
/// Lexicon resolution for permission sets, as the lexicon specification lays it out: the NSID's
/// authority domain (its group, reversed) names a DID in the DNS TXT record
/// <c>_lexicon.&lt;authority&gt;</c>; that DID's PDS serves the record
/// <c>com.atproto.lexicon.schema/&lt;nsid&gt;</c> with its proof, which is checked against the DID's
/// signing key before the document is believed. Results are cached in <see cref="PermissionSetCache"/>.
/// </summary>
public sealed partial class PermissionSetResolver(
    HandleResolver dns,
    IDidResolver dids,
    SafeDocumentFetcher fetcher,
    PermissionSetCache cache,
    TimeProvider clock,
    ILogger<PermissionSetResolver> logger) : IPermissionSetResolver
{
    public const string SchemaCollection = "com.atproto.lexicon.schema";
    private const int MaxProofBytes = 512 * 1024;

    public async Task<PermissionSet?> ResolveAsync(string nsid, CancellationToken cancellationToken = default)
    {
        if (!Nsid.TryParse(nsid, out var parsed))
        {
            return null;
        }

        var now = clock.GetUtcNow();
        var cached = cache.Get(nsid);
        if (cached is { } fresh && now - fresh.ResolvedAt < PermissionSetCache.StaleAfter)
        {
            return fresh.Set;
        }

        try
        {
            var set = await FetchAsync(nsid, parsed.Authority, cancellationToken).ConfigureAwait(false);
            cache.Put(nsid, set, now);
            return set;
        }
        catch (Exception e) when (e is LexiconResolutionException or HttpRequestException or FormatException or JsonException or MstException or MissingBlockException or InvalidOperationException)
        {
            LogResolutionFailed(logger, nsid, e.Message);

            // A stale entry still serves while it has not expired; a failed refresh does not drop it.
            return cached is { } stale && now - stale.ResolvedAt < PermissionSetCache.ExpireAfter ? stale.Set : null;
        }
    }

    private async Task<PermissionSet> FetchAsync(string nsid, string authority, CancellationToken cancellationToken)
    {
        var did = await dns.ResolveTxtDidAsync("_lexicon." + authority, cancellationToken).ConfigureAwait(false)
            ?? throw new LexiconResolutionException($"no _lexicon.{authority} TXT record names a DID");

        var resolved = await dids.ResolveAsync(did, cancellationToken: cancellationToken).ConfigureAwait(false)
            ?? throw new LexiconResolutionException($"{did} does not resolve");
        var key = resolved.Document.GetSigningKey() ?? throw new LexiconResolutionException($"{did} has no signing key");
        var pds = resolved.Document.GetPdsEndpoint() ?? throw new LexiconResolutionException($"{did} has no PDS");

        var url = new Uri(new Uri(pds), "/xrpc/com.atproto.sync.getRecord"
            + $"?did={Uri.EscapeDataString(did)}&collection={SchemaCollection}&rkey={Uri.EscapeDataString(nsid)}");
        var car = await fetcher.FetchBytesAsync(url, MaxProofBytes, cancellationToken).ConfigureAwait(false);

        // The proof: a commit signed by the DID's key whose tree holds the record at its path.
        var contents = await RepoCar.ReadAsync(new MemoryStream(car), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (contents.Commit.Did.ToString() != did)
        {
            throw new LexiconResolutionException($"the proof for {nsid} is a commit of another repository");
        }

        if (!contents.Commit.VerifySignature(key))
        {
            throw new LexiconResolutionException($"the proof for {nsid} is not signed by {did}");
        }

        var recordCid = await MstTree.Load(contents.Blocks, contents.Commit.Data).GetAsync($"{SchemaCollection}/{nsid}", cancellationToken).ConfigureAwait(false)
            ?? throw new LexiconResolutionException($"{did} publishes no lexicon {nsid}");
        if (!contents.Blocks.TryGet(recordCid, out var recordBytes))
        {
            throw new LexiconResolutionException($"the proof for {nsid} lacks the record block");
        }

        using var document = JsonDocument.Parse(LexJson.ToUtf8Bytes(DagCbor.Decode(recordBytes)));
        return PermissionSet.Parse(nsid, document.RootElement);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "permission set {Nsid} could not be resolved: {Reason}")]
    private static partial void LogResolutionFailed(ILogger logger, string nsid, string reason);
}

/// <summary>
/// Resolved permission sets shared by all sessions: refreshed once <see cref="StaleAfter"/> has
/// passed, and still used when a refresh fails until <see cref="ExpireAfter"/> (the specification's
/// recommended 24 hours and 90 days).
/// </summary>
public sealed class PermissionSetCache
{
    public static readonly TimeSpan StaleAfter = TimeSpan.FromHours(24);
    public static readonly TimeSpan ExpireAfter = TimeSpan.FromDays(90);
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<string, (PermissionSet Set, DateTimeOffset ResolvedAt)> _entries = new(StringComparer.Ordinal);

    public (PermissionSet Set, DateTimeOffset ResolvedAt)? Get(string nsid) =>
        _entries.TryGetValue(nsid, out var entry) ? entry : null;

    public void Put(string nsid, PermissionSet set, DateTimeOffset resolvedAt)
    {
        if (_entries.Count >= MaxEntries && !_entries.ContainsKey(nsid))
        {
            // Bounded: drop the oldest entry rather than grow without limit.
            var oldest = _entries.MinBy(e => e.Value.ResolvedAt).Key;
            _entries.TryRemove(oldest, out _);
        }

        _entries[nsid] = (set, resolvedAt);
    }
}

public sealed class LexiconResolutionException(string message) : Exception(message)
{
    public LexiconResolutionException()
        : this("lexicon resolution failed")
    {
    }

    public LexiconResolutionException(string message, Exception innerException)
        : this(message + ": " + innerException?.Message)
    {
    }
}
