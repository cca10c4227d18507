using System.Collections.Concurrent;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;
using Pds.Domain.Crypto;
using Pds.Domain.Data;
using Pds.Domain.Events;
using Pds.Domain.Repo;
using Pds.Domain.Syntax;

namespace Pds.Application.Repo;

/// <summary>
/// Applies record writes to a repository: under the account's lock and in ONE transaction it
/// updates the MST, stores the new blocks and drops the unreferenced ones, updates the record
/// index, signs the commit, moves the repository head and appends the <c>#commit</c> event.
/// </summary>
public sealed class RepoTransactor(IActorStore actors, IRepoKeyStore keys, RepoSigningKeyCache keyCache, RepoBlockCache blockCache, IBlobStore blobs, TimeProvider clock)
{
    public async Task<CommitData> ApplyWritesAsync(string did, IReadOnlyList<PreparedWrite> prepared, string? swapCommit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        var writes = prepared.Select(p => p.Write).ToList();
        var orphans = new List<string>();
        ActorBlockSource? source = null;
        Cid? previousHead = null;
        // The store may run this more than once (see TransactRepeatableAsync): each run starts afresh.
        var data = await actors.TransactRepeatableAsync(
            did,
            async (repo, ct) =>
            {
                orphans.Clear();
                var root = await repo.GetRootAsync(ct).ConfigureAwait(false)
                    ?? throw new XrpcException(400, "RepoNotFound", $"Could not find repo: {did}");
                if (swapCommit is not null && swapCommit != root.Cid)
                {
                    throw new XrpcException(400, "InvalidSwap", $"Commit was at {root.Cid}");
                }

                source = new ActorBlockSource(repo, blockCache);
                previousHead = Cid.Parse(root.Cid);
                var headBytes = await source.GetBlockAsync(previousHead, ct).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"The head commit of {did} is missing.");
                var current = Commit.Decode(headBytes);
                var key = await keyCache.GetAsync(did, keys, ct).ConfigureAwait(false);
                await CheckBlobsAsync(repo, prepared, ct).ConfigureAwait(false);

                CommitData data;
                try
                {
                    data = await RepoWriter.ApplyAsync(source, current, key, writes, TidClock.Shared.Next(), ct).ConfigureAwait(false);
                }
                catch (RepoWriteException e)
                {
                    throw e.Error switch
                    {
                        RepoWriteError.InvalidSwap => new XrpcException(400, "InvalidSwap", e.Message),
                        _ => XrpcException.InvalidRequest(e.Message),
                    };
                }

                var rev = data.Rev.ToString();
                var puts = new List<RecordPut>(prepared.Count);
                var deletes = new List<(string Collection, string Rkey)>();
                foreach (var write in prepared)
                {
                    var uri = write.Uri.ToString();
                    var blobCids = write.Blobs.Count == 0 ? [] : write.Blobs.Select(b => b.Ref.ToString()).Distinct().ToList();
                    if (write.Write is RepoUpdate or RepoDelete)
                    {
                        orphans.AddRange(await repo.DissociateBlobsAsync(uri, blobCids, ct).ConfigureAwait(false));
                    }

                    if (blobCids.Count > 0)
                    {
                        await repo.AssociateBlobsAsync(uri, blobCids, ct).ConfigureAwait(false);
                    }

                    switch (write.Write)
                    {
                        case RepoCreate create:
                            puts.Add(new RecordPut(create.Collection.ToString(), create.Rkey.ToString(), uri, create.Cid.ToString(), create.Block));
                            break;
                        case RepoUpdate update:
                            puts.Add(new RecordPut(update.Collection.ToString(), update.Rkey.ToString(), uri, update.Cid.ToString(), update.Block));
                            break;
                        case RepoDelete delete:
                            deletes.Add((delete.Collection.ToString(), delete.Rkey.ToString()));
                            break;
                    }
                }

                // Old MST nodes go; a released record block goes only if no other record has the same content.
                var released = data.ReleasedRecordCids.Distinct().Where(c => !data.NewBlocks.Contains(c)).Select(c => c.ToString()).ToList();
                await repo.ApplyCommitAsync(
                    new RepoCommitChanges(
                        data.Cid.ToString(),
                        rev,
                        data.NewBlocks.Select(b => KeyValuePair.Create(b.Key.ToString(), b.Value)).ToList(),
                        puts,
                        deletes,
                        data.RemovedNodeCids.Select(c => c.ToString()).ToList(),
                        released,
                        // The event's blobs field is deprecated in sync 1.1 and always empty.
                        PendingEvent.From(CommitEvent.FromCommitData(data, [], clock.GetUtcNow()))),
                    ct).ConfigureAwait(false);
                return data;
            },
            cancellationToken).ConfigureAwait(false);

        // Committed: the next write of this repository finds its head commit and tree nodes in memory.
        // Record blocks are left out (a tree walk never reads them), and so are the nodes and the
        // head commit this commit replaced: no later write reads them, and in a cache bounded by
        // bytes they would push out the nodes of live trees (with one writer, most of its entries).
        var replaced = data.RemovedNodeCids.Append(previousHead!).ToHashSet();
        foreach (var cid in replaced)
        {
            blockCache.Remove(did, cid);
        }

        foreach (var (cid, bytes) in source!.Loaded)
        {
            if (!replaced.Contains(cid))
            {
                blockCache.Set(did, cid, bytes);
            }
        }

        var records = writes.OfType<RepoCreate>().Select(w => w.Cid).Concat(writes.OfType<RepoUpdate>().Select(w => w.Cid)).ToHashSet();
        foreach (var (cid, bytes) in data.NewBlocks)
        {
            if (!records.Contains(cid))
            {
                blockCache.Set(did, cid, bytes);
            }
        }

        // Blobs no record references any more go once the commit that released them is durable.
        foreach (var cid in orphans)
        {
            await blobs.DeleteAsync(did, cid, CancellationToken.None).ConfigureAwait(false);
        }

        return data;
    }

    /// <summary>
    /// Every blob a new record version references must have been uploaded by this account with the
    /// same type and size; uploads it references become permanent.
    /// </summary>
    private async Task CheckBlobsAsync(IActorStoreTransaction repo, IReadOnlyList<PreparedWrite> prepared, CancellationToken cancellationToken)
    {
        foreach (var blob in prepared.SelectMany(p => p.Blobs).DistinctBy(b => b.Ref))
        {
            var cid = blob.Ref.ToString();
            var stored = await repo.GetBlobAsync(cid, cancellationToken).ConfigureAwait(false)
                ?? throw new XrpcException(400, "BlobNotFound", $"Could not find blob: {cid}");
            if (!string.Equals(stored.MimeType, blob.MimeType, StringComparison.OrdinalIgnoreCase))
            {
                throw XrpcException.InvalidRequest($"Referenced Mimetype does not match stored blob. Expected: {stored.MimeType}, Got: {blob.MimeType}");
            }

            if (stored.Size != blob.Size)
            {
                throw XrpcException.InvalidRequest($"Referenced size does not match stored blob. Expected: {stored.Size}, Got: {blob.Size}");
            }

            if (stored.TempKey is { } tempKey)
            {
                // Moved before the transaction commits: if it rolls back, the blob is merely permanent
                // early and a retry finds it in place.
                await blobs.MakePermanentAsync(repo.Did, tempKey, cid, cancellationToken).ConfigureAwait(false);
                await repo.MarkBlobPermanentAsync(cid, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}

/// <summary>
/// Decrypted repository signing keys kept in memory, so a write costs no key decryption. Keys are
/// only ever replaced by account deletion, which calls <see cref="Forget"/>.
/// </summary>
public sealed class RepoSigningKeyCache : IDisposable
{
    private readonly ConcurrentDictionary<string, IKeypair> _keys = new(StringComparer.Ordinal);

    public async ValueTask<IKeypair> GetAsync(string did, IRepoKeyStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (_keys.TryGetValue(did, out var key))
        {
            return key;
        }

        var loaded = await store.GetAsync(did, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"No signing key for {did}.");
        if (_keys.TryAdd(did, loaded))
        {
            return loaded;
        }

        loaded.Dispose();
        return _keys[did];
    }

    public void Forget(string did)
    {
        if (_keys.TryRemove(did, out var key))
        {
            key.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var key in _keys.Values)
        {
            key.Dispose();
        }

        _keys.Clear();
    }
}
