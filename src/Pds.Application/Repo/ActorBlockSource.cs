using Pds.Application.Common.Abstractions;
using Pds.Domain.Data;
using Pds.Domain.Repo;

namespace Pds.Application.Repo;

/// <summary>
/// Reads a repository's blocks from the actor store, remembering each block read. With a
/// <see cref="RepoBlockCache"/>, blocks of this repository found there are not read from the store.
/// </summary>
public sealed class ActorBlockSource(IActorStoreReader reader, RepoBlockCache? shared = null) : IBlockSource
{
    private readonly Dictionary<Cid, ReadOnlyMemory<byte>> _cache = [];

    /// <summary>Blocks this source read from the store (not from the shared cache), to share once the transaction commits.</summary>
    public IEnumerable<KeyValuePair<Cid, ReadOnlyMemory<byte>>> Loaded => _cache;

    public async ValueTask<ReadOnlyMemory<byte>?> GetBlockAsync(Cid cid, CancellationToken cancellationToken = default)
    {
        if (_cache.TryGetValue(cid, out var cached))
        {
            return cached;
        }

        if (shared is not null && shared.TryGet(reader.Did, cid, out var hit))
        {
            return hit;
        }

        var bytes = await reader.GetBlockAsync(cid.ToString(), cancellationToken).ConfigureAwait(false);
        if (bytes is null)
        {
            return null;
        }

        _cache[cid] = bytes;
        return bytes;
    }
}
