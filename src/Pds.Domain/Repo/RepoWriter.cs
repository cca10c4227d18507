using Pds.Domain.Crypto;
using Pds.Domain.Data;
using Pds.Domain.Repo.Mst;
using Pds.Domain.Syntax;

namespace Pds.Domain.Repo;

/// <summary>
/// Creates repositories and applies batches of record writes: updates the MST, signs a new commit,
/// and gathers the blocks and ops to persist and to announce. Pure: it reads existing blocks through
/// an <see cref="IBlockSource"/> and returns what changed, leaving storage to the caller.
/// </summary>
public static class RepoWriter
{
    /// <summary>Creates a repository (normally empty) and signs its first commit.</summary>
    public static async ValueTask<CommitData> CreateAsync(
        Did did,
        IKeypair signingKey,
        IReadOnlyList<RepoCreate> initialRecords,
        Tid rev,
        CancellationToken cancellationToken = default)
    {
        var staging = new BlockMap();
        var tree = MstTree.Empty(staging);
        var ops = new List<RecordOp>(initialRecords.Count);
        var recordBlocks = new BlockMap();
        foreach (var create in initialRecords)
        {
            tree = await AddRecordAsync(tree, create, cancellationToken).ConfigureAwait(false);
            recordBlocks.Set(create.Cid, create.Block);
            ops.Add(RecordOp.Create(create.Path, create.Cid));
        }

        var root = await tree.GetRootCidAsync(cancellationToken).ConfigureAwait(false);
        var nodes = await tree.GetUnstoredBlocksAsync(cancellationToken).ConfigureAwait(false);
        var commit = Commit.Sign(new UnsignedCommit(did, root, rev), signingKey);
        var (commitCid, commitBytes) = commit.Encode();

        var newBlocks = new BlockMap();
        newBlocks.Set(commitCid, commitBytes);
        newBlocks.AddAll(nodes);
        newBlocks.AddAll(recordBlocks);
        return new CommitData
        {
            Did = did,
            Commit = commit,
            Cid = commitCid,
            Since = null,
            PrevData = null,
            Ops = ops,
            NewBlocks = newBlocks,
            RemovedNodeCids = [],
            ReleasedRecordCids = [],
            RelevantBlocks = new BlockMap(),
        };
    }

    /// <summary>
    /// Applies <paramref name="writes"/> on top of <paramref name="current"/>. The new rev is
    /// <paramref name="rev"/>, or the smallest TID after the current rev if the clock is behind it.
    /// </summary>
    /// <exception cref="RepoWriteException">A write conflicts with the repository's contents.</exception>
    public static async ValueTask<CommitData> ApplyAsync(
        IBlockSource storage,
        Commit current,
        IKeypair signingKey,
        IReadOnlyList<RepoWrite> writes,
        Tid rev,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(current);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var oldTree = MstTree.Load(storage, current.Data);
        var tree = oldTree;
        var ops = new List<RecordOp>(writes.Count);
        var recordBlocks = new BlockMap();
        var released = new List<Cid>();

        foreach (var write in writes)
        {
            var path = write.Path;
            if (!seen.Add(path))
            {
                throw new RepoWriteException(RepoWriteError.DuplicateWrite, $"more than one write to {path} in one batch");
            }

            switch (write)
            {
                case RepoCreate create:
                    tree = await AddRecordAsync(tree, create, cancellationToken).ConfigureAwait(false);
                    recordBlocks.Set(create.Cid, create.Block);
                    ops.Add(RecordOp.Create(path, create.Cid));
                    break;
                case RepoUpdate update:
                {
                    var prev = await tree.GetAsync(path, cancellationToken).ConfigureAwait(false)
                        ?? throw new RepoWriteException(RepoWriteError.RecordNotFound, $"could not find record {path} to update");
                    CheckSwap(update.SwapRecord, prev, path);
                    if (prev != update.Cid)
                    {
                        tree = await tree.UpdateAsync(path, update.Cid, cancellationToken).ConfigureAwait(false);
                        released.Add(prev);
                    }

                    recordBlocks.Set(update.Cid, update.Block);
                    ops.Add(RecordOp.Update(path, update.Cid, prev));
                    break;
                }

                case RepoDelete delete:
                {
                    var prev = await tree.GetAsync(path, cancellationToken).ConfigureAwait(false)
                        ?? throw new RepoWriteException(RepoWriteError.RecordNotFound, $"could not find record {path} to delete");
                    CheckSwap(delete.SwapRecord, prev, path);
                    tree = await tree.DeleteAsync(path, cancellationToken).ConfigureAwait(false);
                    released.Add(prev);
                    ops.Add(RecordOp.Delete(path, prev));
                    break;
                }

                default:
                    throw new ArgumentException($"unknown write {write.GetType().Name}", nameof(writes));
            }
        }

        var root = await tree.GetRootCidAsync(cancellationToken).ConfigureAwait(false);
        var diff = await MstDiff.DiffAsync(oldTree, tree, cancellationToken).ConfigureAwait(false);
        if (rev <= current.Rev)
        {
            rev = Tid.FromValue(current.Rev.Value + 1);
        }

        var commit = Commit.Sign(new UnsignedCommit(current.Did, root, rev), signingKey);
        var (commitCid, commitBytes) = commit.Encode();

        var newBlocks = new BlockMap();
        newBlocks.Set(commitCid, commitBytes);
        newBlocks.AddAll(diff.NewBlocks);
        newBlocks.AddAll(recordBlocks);

        // Proof blocks for sync 1.1: what a consumer needs to invert the ops, minus what is already new.
        var proof = await MstProofs.ForCommitAsync(tree, ops, cancellationToken).ConfigureAwait(false);
        var relevant = new BlockMap();
        foreach (var (cid, bytes) in proof)
        {
            if (!newBlocks.Contains(cid))
            {
                relevant.Set(cid, bytes);
            }
        }

        return new CommitData
        {
            Did = current.Did,
            Commit = commit,
            Cid = commitCid,
            Since = current.Rev,
            PrevData = current.Data,
            Ops = ops,
            NewBlocks = newBlocks,
            RemovedNodeCids = diff.RemovedCids,
            ReleasedRecordCids = released,
            RelevantBlocks = relevant,
        };
    }

    private static async ValueTask<MstTree> AddRecordAsync(MstTree tree, RepoCreate create, CancellationToken cancellationToken)
    {
        try
        {
            return await tree.AddAsync(create.Path, create.Cid, cancellationToken).ConfigureAwait(false);
        }
        catch (MstKeyExistsException)
        {
            throw new RepoWriteException(RepoWriteError.RecordExists, $"record {create.Path} already exists");
        }
    }

    private static void CheckSwap(Cid? expected, Cid actual, string path)
    {
        if (expected is not null && expected != actual)
        {
            throw new RepoWriteException(RepoWriteError.InvalidSwap, $"record {path} was modified: expected {expected}, found {actual}");
        }
    }
}
