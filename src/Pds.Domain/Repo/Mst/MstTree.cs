using System.Runtime.CompilerServices;
using Pds.Domain.Data;

namespace Pds.Domain.Repo.Mst;

/// <summary>A block reached by <see cref="MstTree.WalkBlocksAsync"/>: an MST node with its bytes, or a record link.</summary>
public readonly record struct MstBlockRef(Cid Cid, bool IsNode, ReadOnlyMemory<byte> NodeBytes);

/// <summary>
/// The repository Merkle Search Tree: an immutable, persistent map from repository paths to record
/// CIDs. Nodes are read lazily from an <see cref="IBlockSource"/>, so a lookup or a write touches only
/// the nodes on its path; writes return a new tree sharing every untouched subtree. The shape, and so
/// the root CID, depends only on the content, never on the order of operations.
/// </summary>
public sealed class MstTree
{
    private readonly MstNode _root;

    private MstTree(IBlockSource source, MstNode root)
    {
        Source = source;
        _root = root;
    }

    /// <summary>Where nodes not yet in memory are read from.</summary>
    public IBlockSource Source { get; }

    internal MstNode Root => _root;

    /// <summary>A tree with no entries (a single node with an empty entry list).</summary>
    public static MstTree Empty(IBlockSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new MstTree(source, MstNode.Create(0, null, []));
    }

    /// <summary>The tree whose root node has CID <paramref name="root"/>; nothing is read until needed.</summary>
    public static MstTree Load(IBlockSource source, Cid root)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(root);
        return new MstTree(source, MstNode.Stub(root, -1));
    }

    /// <summary>The root CID (the commit's <c>data</c> field); encodes new nodes on first call.</summary>
    public ValueTask<Cid> GetRootCidAsync(CancellationToken cancellationToken = default)
    {
        return ValueTask.FromResult(_root.GetCid());
    }

    /// <summary>The record CID at <paramref name="key"/>, or null.</summary>
    public async ValueTask<Cid?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var node = _root;
        while (true)
        {
            await node.EnsureLoadedAsync(Source, cancellationToken).ConfigureAwait(false);
            var entries = node.Entries;
            var i = MstNode.FindGreaterOrEqual(entries, key);
            if (i < entries.Length && string.Equals(entries[i].Key, key, StringComparison.Ordinal))
            {
                return entries[i].Value;
            }

            var next = node.Gap(i);
            if (next is null)
            {
                return null;
            }

            node = next;
        }
    }

    /// <summary>Adds a new key. Throws <see cref="MstKeyExistsException"/> if the key is present.</summary>
    public async ValueTask<MstTree> AddAsync(string key, Cid value, CancellationToken cancellationToken = default)
    {
        MstKey.Validate(key);
        ArgumentNullException.ThrowIfNull(value);
        var height = MstKey.Height(key);
        var root = _root;
        await root.EnsureLoadedAsync(Source, cancellationToken).ConfigureAwait(false);
        if (root.IsEmpty)
        {
            return new MstTree(Source, MstNode.Create(height, null, [new NodeEntry(key, value, null)]));
        }

        // A key deeper than the root grows the tree: empty parents keep links one layer apart.
        while (root.Layer < height)
        {
            root = MstNode.Create(root.Layer + 1, root, []);
        }

        // Fast path when every node the insert touches is already in memory (batches of writes,
        // building trees): no async state machines; otherwise read the path as needed.
        var inserted = TryInsert(root, key, height, value)
            ?? await InsertAsync(root, key, height, value, cancellationToken).ConfigureAwait(false);
        return new MstTree(Source, inserted);
    }

    /// <summary>Changes the value of an existing key. Throws <see cref="MstKeyNotFoundException"/> if absent.</summary>
    public async ValueTask<MstTree> UpdateAsync(string key, Cid value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        return new MstTree(Source, await ReplaceAsync(_root, key, value, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Removes a key. Throws <see cref="MstKeyNotFoundException"/> if absent.</summary>
    public async ValueTask<MstTree> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var root = await RemoveAsync(_root, key, cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return Empty(Source);
        }

        // The top of the tree must not be an empty node that only points to a subtree.
        while (root.Entries.Length == 0 && root.Left is { } left)
        {
            await left.EnsureLoadedAsync(Source, cancellationToken).ConfigureAwait(false);
            root = left;
        }

        return new MstTree(Source, root);
    }

    /// <summary>
    /// Entries in key order within a range: keys at or after <paramref name="from"/>, strictly after
    /// <paramref name="after"/>, strictly before <paramref name="before"/> (each optional), at most
    /// <paramref name="limit"/>, descending when <paramref name="reverse"/>. Only the nodes that can
    /// hold keys in the range are read.
    /// </summary>
    public async ValueTask<IReadOnlyList<MstEntry>> ListAsync(
        string? from = null,
        string? after = null,
        string? before = null,
        int limit = int.MaxValue,
        bool reverse = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        // Keys never contain U+0000, so "after + \0" is the least key strictly after "after".
        var lower = from;
        if (after is not null)
        {
            var afterBound = after + '\0';
            if (lower is null || string.CompareOrdinal(afterBound, lower) > 0)
            {
                lower = afterBound;
            }
        }

        var output = new List<MstEntry>(Math.Min(limit, 256));
        if (limit > 0)
        {
            await ListNodeAsync(_root, lower, before, limit, reverse, output, cancellationToken).ConfigureAwait(false);
        }

        return output;
    }

    /// <summary>Entries whose key starts with <paramref name="prefix"/> (e.g. <c>collection/</c>), in key order.</summary>
    public ValueTask<IReadOnlyList<MstEntry>> ListWithPrefixAsync(
        string prefix, int limit = int.MaxValue, bool reverse = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        // The least string greater than every string with this prefix: bump the last character.
        var upper = string.Concat(prefix.AsSpan(0, prefix.Length - 1), ((char)(prefix[^1] + 1)).ToString());
        return ListAsync(from: prefix, before: upper, limit: limit, reverse: reverse, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Every entry in key order, reading nodes as the walk reaches them. A node the walk reads is
    /// held only while the walk is inside it, not attached to the tree: a walk holds one path from
    /// the root, however large the tree (an import reads every node once; kept, its nodes took
    /// more memory than the repository's CAR). Nodes already loaded or built stay as they are.
    /// </summary>
    public async IAsyncEnumerable<MstEntry> WalkAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await _root.EnsureLoadedAsync(Source, cancellationToken).ConfigureAwait(false);
        // Slot positions: 0 = left subtree, 2k+1 = entry k, 2k+2 = subtree right of entry k.
        var stack = new Stack<(MstNode Node, int Position)>();
        stack.Push((_root, 0));
        while (stack.Count > 0)
        {
            var (node, pos) = stack.Pop();
            var entries = node.Entries;
            MstNode? child;
            if (pos == 0)
            {
                stack.Push((node, 1));
                child = node.Left;
            }
            else
            {
                var k = (pos - 1) >> 1;
                if (k >= entries.Length)
                {
                    continue;
                }

                stack.Push((node, pos + 1));
                if ((pos & 1) == 1)
                {
                    yield return new MstEntry(entries[k].Key, entries[k].Value);
                    continue;
                }

                child = entries[k].Right;
            }

            if (child is not null)
            {
                if (!child.IsLoaded)
                {
                    // Loaded into a stub of its own, which only the walk's stack holds.
                    child = MstNode.Stub(child.GetCid(), child.Layer);
                }

                await child.EnsureLoadedAsync(Source, cancellationToken).ConfigureAwait(false);
                stack.Push((child, 0));
            }
        }
    }

    /// <summary>
    /// The blocks of nodes built in memory since the tree was loaded (reachable from the current root),
    /// so a commit stores only what changed. Includes the root block of a new empty tree.
    /// </summary>
    public ValueTask<BlockMap> GetUnstoredBlocksAsync(CancellationToken cancellationToken = default)
    {
        var blocks = new BlockMap();
        var stack = new Stack<MstNode>();
        stack.Push(_root);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (node.Stored)
            {
                continue;
            }

            blocks.Set(node.GetCid(), node.GetBytes());
            if (node.Left is { } left)
            {
                stack.Push(left);
            }

            foreach (var e in node.Entries)
            {
                if (e.Right is { } right)
                {
                    stack.Push(right);
                }
            }
        }

        return ValueTask.FromResult(blocks);
    }

    /// <summary>Every node block of the tree (reads the whole tree): the MST part of a full export.</summary>
    public async ValueTask<BlockMap> GetAllNodeBlocksAsync(CancellationToken cancellationToken = default)
    {
        var blocks = new BlockMap();
        var stack = new Stack<MstNode>();
        stack.Push(_root);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            await node.EnsureLoadedAsync(Source, cancellationToken).ConfigureAwait(false);
            blocks.Set(node.GetCid(), node.GetBytes());
            var entries = node.Entries;
            for (var i = entries.Length - 1; i >= 0; i--)
            {
                if (entries[i].Right is { } right)
                {
                    stack.Push(right);
                }
            }

            if (node.Left is { } left)
            {
                stack.Push(left);
            }
        }

        return blocks;
    }

    /// <summary>
    /// The tree in streamable CAR order: each node block, then its slots in order (left subtree, then for
    /// each entry its record CID followed by its right subtree), depth first. Record blocks are not
    /// read; the caller fetches them by <see cref="MstBlockRef.Cid"/> where <see cref="MstBlockRef.IsNode"/> is false.
    /// </summary>
    public async IAsyncEnumerable<MstBlockRef> WalkBlocksAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Slot positions as in WalkAsync: 0 = left subtree, 2k+1 = record of entry k, 2k+2 = right subtree of entry k.
        var stack = new Stack<(MstNode Node, int Position)>();
        await _root.EnsureLoadedAsync(Source, cancellationToken).ConfigureAwait(false);
        yield return new MstBlockRef(_root.GetCid(), true, _root.GetBytes());
        stack.Push((_root, 0));
        while (stack.Count > 0)
        {
            var (node, pos) = stack.Pop();
            var entries = node.Entries;
            MstNode? child;
            if (pos == 0)
            {
                stack.Push((node, 1));
                child = node.Left;
            }
            else
            {
                var k = (pos - 1) >> 1;
                if (k >= entries.Length)
                {
                    continue;
                }

                stack.Push((node, pos + 1));
                if ((pos & 1) == 1)
                {
                    yield return new MstBlockRef(entries[k].Value, false, default);
                    continue;
                }

                child = entries[k].Right;
            }

            if (child is not null)
            {
                await child.EnsureLoadedAsync(Source, cancellationToken).ConfigureAwait(false);
                yield return new MstBlockRef(child.GetCid(), true, child.GetBytes());
                stack.Push((child, 0));
            }
        }
    }

    private async ValueTask<MstNode> InsertAsync(MstNode node, string key, int height, Cid value, CancellationToken ct)
    {
        await node.EnsureLoadedAsync(Source, ct).ConfigureAwait(false);
        var entries = node.Entries;
        var i = MstNode.FindGreaterOrEqual(entries, key);
        if (i < entries.Length && string.Equals(entries[i].Key, key, StringComparison.Ordinal))
        {
            throw new MstKeyExistsException(key);
        }

        var layer = node.Layer;
        if (height == layer)
        {
            // The key lands in this node: the subtree of the gap it falls in splits around it.
            var gap = node.Gap(i);
            MstNode? low = null, high = null;
            if (gap is not null)
            {
                (low, high) = await SplitAsync(gap, key, ct).ConfigureAwait(false);
            }

            var updated = new NodeEntry[entries.Length + 1];
            Array.Copy(entries, updated, i);
            updated[i] = new NodeEntry(key, value, high);
            Array.Copy(entries, i, updated, i + 1, entries.Length - i);
            var left = node.Left;
            if (i == 0)
            {
                left = low;
            }
            else
            {
                updated[i - 1] = updated[i - 1] with { Right = low };
            }

            return MstNode.Create(layer, left, updated);
        }

        var child = node.Gap(i);
        var newChild = child is null
            ? Chain(layer - 1, key, height, value)
            : await InsertAsync(child, key, height, value, ct).ConfigureAwait(false);
        return node.WithGap(i, newChild);
    }

    /// <summary>The synchronous twin of <see cref="InsertAsync"/>; null when it reaches a node not yet read.</summary>
    private static MstNode? TryInsert(MstNode node, string key, int height, Cid value)
    {
        if (!node.IsLoaded)
        {
            return null;
        }

        var entries = node.Entries;
        var i = MstNode.FindGreaterOrEqual(entries, key);
        if (i < entries.Length && string.Equals(entries[i].Key, key, StringComparison.Ordinal))
        {
            throw new MstKeyExistsException(key);
        }

        var layer = node.Layer;
        if (height == layer)
        {
            var gap = node.Gap(i);
            MstNode? low = null, high = null;
            if (gap is not null && !TrySplit(gap, key, out low, out high))
            {
                return null;
            }

            var updated = new NodeEntry[entries.Length + 1];
            Array.Copy(entries, updated, i);
            updated[i] = new NodeEntry(key, value, high);
            Array.Copy(entries, i, updated, i + 1, entries.Length - i);
            var left = node.Left;
            if (i == 0)
            {
                left = low;
            }
            else
            {
                updated[i - 1] = updated[i - 1] with { Right = low };
            }

            return MstNode.Create(layer, left, updated);
        }

        var child = node.Gap(i);
        if (child is null)
        {
            return node.WithGap(i, Chain(layer - 1, key, height, value));
        }

        var newChild = TryInsert(child, key, height, value);
        return newChild is null ? null : node.WithGap(i, newChild);
    }

    /// <summary>The synchronous twin of <see cref="SplitAsync"/>; false when it reaches a node not yet read.</summary>
    private static bool TrySplit(MstNode node, string key, out MstNode? low, out MstNode? high)
    {
        low = high = null;
        if (!node.IsLoaded)
        {
            return false;
        }

        var entries = node.Entries;
        var i = MstNode.FindGreaterOrEqual(entries, key);
        var gap = node.Gap(i);
        MstNode? childLow = null, childHigh = null;
        if (gap is not null && !TrySplit(gap, key, out childLow, out childHigh))
        {
            return false;
        }

        (low, high) = Halves(node, i, childLow, childHigh);
        return true;
    }

    /// <summary>The two halves of <paramref name="node"/> split before entry <paramref name="index"/>, given the halves of the gap subtree there.</summary>
    private static (MstNode? Low, MstNode? High) Halves(MstNode node, int index, MstNode? childLow, MstNode? childHigh)
    {
        var entries = node.Entries;
        var layer = node.Layer;
        MstNode? low;
        if (index == 0)
        {
            low = childLow is null ? null : MstNode.Create(layer, childLow, []);
        }
        else
        {
            var lowEntries = entries[..index];
            lowEntries[index - 1] = lowEntries[index - 1] with { Right = childLow };
            low = MstNode.Create(layer, node.Left, lowEntries);
        }

        MstNode? high;
        if (index == entries.Length)
        {
            high = childHigh is null ? null : MstNode.Create(layer, childHigh, []);
        }
        else
        {
            high = MstNode.Create(layer, childHigh, entries[index..]);
        }

        return (low, high);
    }

    /// <summary>A new subtree at <paramref name="layer"/> holding one key, with empty nodes down to the key's layer.</summary>
    private static MstNode Chain(int layer, string key, int height, Cid value) =>
        layer == height
            ? MstNode.Create(layer, null, [new NodeEntry(key, value, null)])
            : MstNode.Create(layer, Chain(layer - 1, key, height, value), []);

    /// <summary>Splits a subtree into the parts before and after <paramref name="key"/> (absent from it); null parts are empty.</summary>
    private async ValueTask<(MstNode? Low, MstNode? High)> SplitAsync(MstNode node, string key, CancellationToken ct)
    {
        await node.EnsureLoadedAsync(Source, ct).ConfigureAwait(false);
        var entries = node.Entries;
        var i = MstNode.FindGreaterOrEqual(entries, key);
        var gap = node.Gap(i);
        MstNode? childLow = null, childHigh = null;
        if (gap is not null)
        {
            (childLow, childHigh) = await SplitAsync(gap, key, ct).ConfigureAwait(false);
        }

        return Halves(node, i, childLow, childHigh);
    }

    private async ValueTask<MstNode> ReplaceAsync(MstNode node, string key, Cid value, CancellationToken ct)
    {
        await node.EnsureLoadedAsync(Source, ct).ConfigureAwait(false);
        var entries = node.Entries;
        var i = MstNode.FindGreaterOrEqual(entries, key);
        if (i < entries.Length && string.Equals(entries[i].Key, key, StringComparison.Ordinal))
        {
            var updated = (NodeEntry[])entries.Clone();
            updated[i] = updated[i] with { Value = value };
            return MstNode.Create(node.Layer, node.Left, updated);
        }

        var child = node.Gap(i) ?? throw new MstKeyNotFoundException(key);
        return node.WithGap(i, await ReplaceAsync(child, key, value, ct).ConfigureAwait(false));
    }

    /// <summary>Removes a key from a subtree; null when nothing remains.</summary>
    private async ValueTask<MstNode?> RemoveAsync(MstNode node, string key, CancellationToken ct)
    {
        await node.EnsureLoadedAsync(Source, ct).ConfigureAwait(false);
        var entries = node.Entries;
        var i = MstNode.FindGreaterOrEqual(entries, key);
        MstNode? left = node.Left;
        NodeEntry[] updated;
        if (i < entries.Length && string.Equals(entries[i].Key, key, StringComparison.Ordinal))
        {
            // The subtrees on both sides of the removed key join into one.
            var merged = await MergeAsync(node.Gap(i), entries[i].Right, ct).ConfigureAwait(false);
            updated = new NodeEntry[entries.Length - 1];
            Array.Copy(entries, updated, i);
            Array.Copy(entries, i + 1, updated, i, entries.Length - i - 1);
            if (i == 0)
            {
                left = merged;
            }
            else
            {
                updated[i - 1] = updated[i - 1] with { Right = merged };
            }
        }
        else
        {
            var child = node.Gap(i) ?? throw new MstKeyNotFoundException(key);
            var newChild = await RemoveAsync(child, key, ct).ConfigureAwait(false);
            if (i == 0)
            {
                updated = entries;
                left = newChild;
            }
            else
            {
                updated = (NodeEntry[])entries.Clone();
                updated[i - 1] = updated[i - 1] with { Right = newChild };
            }
        }

        return updated.Length == 0 && left is null ? null : MstNode.Create(node.Layer, left, updated);
    }

    /// <summary>Joins two subtrees of the same layer where every key of <paramref name="low"/> sorts before <paramref name="high"/>.</summary>
    private async ValueTask<MstNode?> MergeAsync(MstNode? low, MstNode? high, CancellationToken ct)
    {
        if (low is null)
        {
            return high;
        }

        if (high is null)
        {
            return low;
        }

        await low.EnsureLoadedAsync(Source, ct).ConfigureAwait(false);
        await high.EnsureLoadedAsync(Source, ct).ConfigureAwait(false);
        var a = low.Entries;
        var b = high.Entries;
        var seam = await MergeAsync(a.Length > 0 ? a[^1].Right : low.Left, high.Left, ct).ConfigureAwait(false);
        var entries = new NodeEntry[a.Length + b.Length];
        Array.Copy(a, entries, a.Length);
        Array.Copy(b, 0, entries, a.Length, b.Length);
        var left = low.Left;
        if (a.Length > 0)
        {
            entries[a.Length - 1] = entries[a.Length - 1] with { Right = seam };
        }
        else
        {
            left = seam;
        }

        return MstNode.Create(low.Layer, left, entries);
    }

    private async ValueTask<bool> ListNodeAsync(
        MstNode node, string? lower, string? upper, int limit, bool reverse, List<MstEntry> output, CancellationToken ct)
    {
        await node.EnsureLoadedAsync(Source, ct).ConfigureAwait(false);
        var entries = node.Entries;
        var start = lower is null ? 0 : MstNode.FindGreaterOrEqual(entries, lower);
        var end = upper is null ? entries.Length : MstNode.FindGreaterOrEqual(entries, upper);
        if (end < start)
        {
            return false;
        }

        // Entries [start, end) are in range; gaps start..end may hold keys in range.
        if (!reverse)
        {
            for (var j = start; j <= end; j++)
            {
                if (node.Gap(j) is { } gap && await ListNodeAsync(gap, lower, upper, limit, reverse, output, ct).ConfigureAwait(false))
                {
                    return true;
                }

                if (j < end)
                {
                    output.Add(new MstEntry(entries[j].Key, entries[j].Value));
                    if (output.Count >= limit)
                    {
                        return true;
                    }
                }
            }
        }
        else
        {
            for (var j = end; j >= start; j--)
            {
                if (j < end)
                {
                    output.Add(new MstEntry(entries[j].Key, entries[j].Value));
                    if (output.Count >= limit)
                    {
                        return true;
                    }
                }

                if (node.Gap(j) is { } gap && await ListNodeAsync(gap, lower, upper, limit, reverse, output, ct).ConfigureAwait(false))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
