using Pds.Domain.Data;

namespace Pds.Domain.Repo.Mst;

/// <summary>A key whose record CID changed between two trees.</summary>
public readonly record struct MstUpdate(string Key, Cid Prev, Cid Value);

/// <summary>
/// The difference between two trees: record-level changes (sorted by key), the node blocks of the new
/// tree that the old one lacks, and the CIDs of old nodes the new tree no longer references.
/// </summary>
public sealed class MstDiff
{
    private MstDiff(
        IReadOnlyList<MstEntry> adds,
        IReadOnlyList<MstUpdate> updates,
        IReadOnlyList<MstEntry> deletes,
        BlockMap newBlocks,
        IReadOnlyList<Cid> removedCids)
    {
        Adds = adds;
        Updates = updates;
        Deletes = deletes;
        NewBlocks = newBlocks;
        RemovedCids = removedCids;
    }

    public IReadOnlyList<MstEntry> Adds { get; }

    public IReadOnlyList<MstUpdate> Updates { get; }

    /// <summary>Removed keys with the record CID they had.</summary>
    public IReadOnlyList<MstEntry> Deletes { get; }

    /// <summary>Node blocks present in the new tree but not in the old one.</summary>
    public BlockMap NewBlocks { get; }

    /// <summary>Node CIDs of the old tree that the new tree no longer has (candidates for garbage collection).</summary>
    public IReadOnlyList<Cid> RemovedCids { get; }

    /// <summary>
    /// Compares two trees (a null <paramref name="oldTree"/> is an empty history: everything is added).
    /// Identical subtrees have identical CIDs at the same layer, so the walk descends both trees one
    /// layer at a time and drops every subtree whose CID appears on both sides without reading it.
    /// </summary>
    public static async ValueTask<MstDiff> DiffAsync(MstTree? oldTree, MstTree newTree, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(newTree);
        var newRoot = newTree.Root;
        await newRoot.EnsureLoadedAsync(newTree.Source, cancellationToken).ConfigureAwait(false);
        MstNode? oldRoot = null;
        if (oldTree is not null)
        {
            oldRoot = oldTree.Root;
            await oldRoot.EnsureLoadedAsync(oldTree.Source, cancellationToken).ConfigureAwait(false);
        }

        var oldFront = new Dictionary<Cid, MstNode>();
        var newFront = new Dictionary<Cid, MstNode>();
        var oldLeaves = new Dictionary<string, Cid>(StringComparer.Ordinal);
        var newLeaves = new Dictionary<string, Cid>(StringComparer.Ordinal);
        var newBlocks = new BlockMap();
        var removed = new List<Cid>();

        var layer = Math.Max(newRoot.Layer, oldRoot?.Layer ?? -1);
        while (layer >= 0)
        {
            if (newRoot.Layer == layer)
            {
                newFront[newRoot.GetCid()] = newRoot;
            }

            if (oldRoot is not null && oldRoot.Layer == layer)
            {
                oldFront[oldRoot.GetCid()] = oldRoot;
            }

            foreach (var cid in newFront.Keys)
            {
                if (oldFront.Remove(cid))
                {
                    newFront.Remove(cid);
                }
            }

            var nextNew = new Dictionary<Cid, MstNode>();
            foreach (var (cid, node) in newFront)
            {
                await node.EnsureLoadedAsync(newTree.Source, cancellationToken).ConfigureAwait(false);
                newBlocks.Set(cid, node.GetBytes());
                Collect(node, newLeaves, nextNew);
            }

            var nextOld = new Dictionary<Cid, MstNode>();
            foreach (var (cid, node) in oldFront)
            {
                await node.EnsureLoadedAsync(oldTree!.Source, cancellationToken).ConfigureAwait(false);
                removed.Add(cid);
                Collect(node, oldLeaves, nextOld);
            }

            newFront = nextNew;
            oldFront = nextOld;
            layer--;
        }

        var adds = new List<MstEntry>();
        var updates = new List<MstUpdate>();
        var deletes = new List<MstEntry>();
        foreach (var (key, value) in newLeaves)
        {
            if (!oldLeaves.TryGetValue(key, out var prev))
            {
                adds.Add(new MstEntry(key, value));
            }
            else if (!prev.Equals(value))
            {
                updates.Add(new MstUpdate(key, prev, value));
            }
        }

        foreach (var (key, prev) in oldLeaves)
        {
            if (!newLeaves.ContainsKey(key))
            {
                deletes.Add(new MstEntry(key, prev));
            }
        }

        adds.Sort(static (x, y) => string.CompareOrdinal(x.Key, y.Key));
        updates.Sort(static (x, y) => string.CompareOrdinal(x.Key, y.Key));
        deletes.Sort(static (x, y) => string.CompareOrdinal(x.Key, y.Key));
        return new MstDiff(adds, updates, deletes, newBlocks, removed);
    }

    private static void Collect(MstNode node, Dictionary<string, Cid> leaves, Dictionary<Cid, MstNode> children)
    {
        if (node.Left is { } left)
        {
            children[left.GetCid()] = left;
        }

        foreach (var e in node.Entries)
        {
            leaves[e.Key] = e.Value;
            if (e.Right is { } right)
            {
                children[right.GetCid()] = right;
            }
        }
    }
}
