namespace Pds.Domain.Repo.Mst;

/// <summary>
/// Covering proofs: the node blocks that prove a key's presence (with its value) or absence, together
/// with its neighbours on both sides. A sync 1.1 <c>#commit</c> carries the covering proofs of every
/// operation's path in the new tree, which is exactly what a consumer needs to apply the inverse of each
/// operation (<see cref="MstInversion"/>): removing a key joins the subtrees on either side of it, which
/// needs the right edge of the left one and the left edge of the right one; re-adding a key splits the
/// subtrees along its search path.
/// </summary>
public static class MstProofs
{
    /// <summary>The blocks proving inclusion or exclusion of each of <paramref name="keys"/> in <paramref name="tree"/>.</summary>
    public static async ValueTask<BlockMap> CoveringProofAsync(MstTree tree, IEnumerable<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(keys);
        var blocks = new BlockMap();
        foreach (var key in keys)
        {
            await AddKeyProofAsync(tree, key, blocks, cancellationToken).ConfigureAwait(false);
        }

        return blocks;
    }

    /// <summary>
    /// The nodes on the search path from the root to <paramref name="key"/>: proves the record CID
    /// at the key, or its absence (the <c>com.atproto.sync.getRecord</c> proof).
    /// </summary>
    public static async ValueTask<BlockMap> PathProofAsync(MstTree tree, string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(key);
        var blocks = new BlockMap();
        var node = tree.Root;
        while (true)
        {
            await node.EnsureLoadedAsync(tree.Source, cancellationToken).ConfigureAwait(false);
            blocks.Set(node.GetCid(), node.GetBytes());
            var entries = node.Entries;
            var i = MstNode.FindGreaterOrEqual(entries, key);
            if ((i < entries.Length && string.Equals(entries[i].Key, key, StringComparison.Ordinal)) || node.Gap(i) is not { } next)
            {
                return blocks;
            }

            node = next;
        }
    }

    /// <summary>
    /// The node blocks a commit's consumer needs to invert <paramref name="ops"/> on <paramref name="newTree"/>
    /// (the tree after the commit) and arrive at the previous root: the covering proof of every operated path.
    /// </summary>
    public static ValueTask<BlockMap> ForCommitAsync(MstTree newTree, IEnumerable<RecordOp> ops, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ops);
        return CoveringProofAsync(newTree, ops.Select(static o => o.Path), cancellationToken);
    }

    private static async ValueTask AddKeyProofAsync(MstTree tree, string key, BlockMap blocks, CancellationToken ct)
    {
        var node = tree.Root;
        while (true)
        {
            await node.EnsureLoadedAsync(tree.Source, ct).ConfigureAwait(false);
            blocks.Set(node.GetCid(), node.GetBytes());
            var entries = node.Entries;
            var i = MstNode.FindGreaterOrEqual(entries, key);
            if (i < entries.Length && string.Equals(entries[i].Key, key, StringComparison.Ordinal))
            {
                // Found: the neighbours are at the right edge of the subtree before the key and the
                // left edge of the subtree after it.
                await AddEdgeAsync(tree, node.Gap(i), rightEdge: true, blocks, ct).ConfigureAwait(false);
                await AddEdgeAsync(tree, entries[i].Right, rightEdge: false, blocks, ct).ConfigureAwait(false);
                return;
            }

            // Absent here: the search continues in the gap where the key would be; when there is no
            // such subtree, this node's neighbouring entries prove the absence.
            if (node.Gap(i) is not { } next)
            {
                return;
            }

            node = next;
        }
    }

    private static async ValueTask AddEdgeAsync(MstTree tree, MstNode? node, bool rightEdge, BlockMap blocks, CancellationToken ct)
    {
        while (node is not null)
        {
            await node.EnsureLoadedAsync(tree.Source, ct).ConfigureAwait(false);
            blocks.Set(node.GetCid(), node.GetBytes());
            var entries = node.Entries;
            node = rightEdge ? node.Gap(entries.Length) : node.Left;
        }
    }
}
