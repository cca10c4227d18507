using Pds.Application.Common.Abstractions;
using Pds.Domain.Data;
using Pds.Domain.Repo;

namespace Pds.Application.Repo;

/// <summary>Reads a repository's blocks from the actor store, remembering each block read.</summary>
public sealed class ActorBlockSource(IActorStoreReader reader) : IBlockSource
{
    private readonly Dictionary<Cid, ReadOnlyMemory<byte>> _cache = [];

    public async ValueTask<ReadOnlyMemory<byte>?> GetBlockAsync(Cid cid, CancellationToken cancellationToken = default)
    {
        if (_cache.TryGetValue(cid, out var cached))
        {
            return cached;
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
