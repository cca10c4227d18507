using Pds.Domain.Data;

namespace Pds.Domain.Repo;

/// <summary>
/// Read access to the content-addressed blocks of a repository (MST nodes, records, commits).
/// Implementations: <see cref="BlockMap"/> in memory, and the actor store in the database.
/// </summary>
public interface IBlockSource
{
    /// <summary>The block's bytes, or null when this source does not hold it.</summary>
    ValueTask<ReadOnlyMemory<byte>?> GetBlockAsync(Cid cid, CancellationToken cancellationToken = default);
}

/// <summary>Thrown when a block needed to walk a repository is not available.</summary>
public sealed class MissingBlockException(Cid cid)
    : Exception($"block {cid} is missing from the repository")
{
    public Cid Cid { get; } = cid;
}
