using Pds.Domain.Data;
using Pds.Domain.Repo.Car;

namespace Pds.Domain.Repo;

/// <summary>The commit and blocks of a repository CAR.</summary>
public sealed record RepoCarContents(Cid CommitCid, Commit Commit, PackedBlocks Blocks);

/// <summary>
/// Repository exports as CAR files: the header's first root is the commit, and the commit block
/// comes first so readers can walk the tree in one pass (the streamable order of the repository
/// spec; the MST code supplies the remaining blocks in pre-order).
/// </summary>
public static class RepoCar
{
    /// <summary>
    /// Writes a repository CAR rooted at <paramref name="commitCid"/>. <paramref name="blocks"/> must
    /// include the commit block (first, for the streamable order) and every MST node and record.
    /// </summary>
    public static Task WriteAsync(Stream output, Cid commitCid, IAsyncEnumerable<(Cid Cid, ReadOnlyMemory<byte> Bytes)> blocks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commitCid);
        return CarWriter.WriteAsync(output, [commitCid], blocks, cancellationToken);
    }

    /// <summary>
    /// Writes a repository CAR: the commit block first, then <paramref name="treeBlocks"/> (MST nodes
    /// and records, pre-order). A repeat of the commit block in the source is skipped.
    /// </summary>
    public static async Task WriteAsync(Stream output, Commit commit, IAsyncEnumerable<(Cid Cid, ReadOnlyMemory<byte> Bytes)> treeBlocks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commit);
        ArgumentNullException.ThrowIfNull(treeBlocks);
        var (commitCid, commitBytes) = commit.Encode();
        var writer = new CarWriter(output);
        await using (writer.ConfigureAwait(false))
        {
            await writer.WriteHeaderAsync([commitCid], cancellationToken).ConfigureAwait(false);
            await writer.WriteBlockAsync(commitCid, commitBytes, cancellationToken).ConfigureAwait(false);
            await foreach (var (cid, bytes) in treeBlocks.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                if (!cid.Equals(commitCid))
                {
                    await writer.WriteBlockAsync(cid, bytes, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>
    /// Reads a repository CAR (an import or a firehose diff) into memory and decodes its root commit.
    /// Signature and tree checks are the caller's: they need the account's key and the MST.
    /// </summary>
    /// <exception cref="CarException">Malformed CAR, or the root commit block is missing or invalid.</exception>
    public static async Task<RepoCarContents> ReadAsync(Stream input, CarLimits? limits = null, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<Cid> roots;
        var blocks = new PackedBlocks();
        var reader = await CarReader.OpenAsync(input, limits, leaveOpen: true, cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            roots = reader.Roots;
            while (await reader.ReadNextAsync(cancellationToken).ConfigureAwait(false) is { } block)
            {
                blocks.Add(block.Cid, block.Data.Span);
            }
        }

        if (roots.Count == 0)
        {
            throw new CarException("repository CAR has no root commit");
        }

        var commitCid = roots[0];
        if (!blocks.TryGet(commitCid, out var commitBytes))
        {
            throw new CarException($"repository CAR does not contain its root commit block {commitCid}");
        }

        try
        {
            return new RepoCarContents(commitCid, Commit.Decode(commitBytes), blocks);
        }
        catch (InvalidCommitException e)
        {
            throw new CarException($"repository CAR root {commitCid} is not a valid commit: {e.Message}", e);
        }
    }
}
