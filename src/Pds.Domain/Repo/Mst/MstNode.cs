using Pds.Domain.Data;

namespace Pds.Domain.Repo.Mst;

/// <summary>One leaf of the tree: a repository path and the CID of its record.</summary>
public readonly record struct MstEntry(string Key, Cid Value);

/// <summary>An entry inside a node: its key, record CID and the subtree to its right (keys up to the next entry).</summary>
internal readonly record struct NodeEntry(string Key, Cid Value, MstNode? Right);

/// <summary>
/// A node of the persistent tree. A node is either a stub known only by CID (its block is read from
/// the block source on first use) or has its entries in memory. Content never changes after it is
/// known; writes build new nodes and share every untouched subtree. The CID and block bytes of a
/// node built in memory are computed once, on demand.
/// </summary>
internal sealed class MstNode
{
    private Cid? _cid;
    private byte[]? _bytes;
    private MstNode? _left;
    private NodeEntry[]? _entries;
    private int _layer;
    private readonly bool _isRoot;

    private MstNode(int layer, Cid? cid, MstNode? left, NodeEntry[]? entries, bool stored)
    {
        _layer = layer;
        _isRoot = layer < 0;
        _cid = cid;
        _left = left;
        _entries = entries;
        Stored = stored;
    }

    /// <summary>Depth of the node's keys; -1 for a root stub whose block has not been read yet.</summary>
    public int Layer => _layer;

    /// <summary>True when the block came from (and so is already in) the block source.</summary>
    public bool Stored { get; }

    public bool IsLoaded => Volatile.Read(ref _entries) is not null;

    public MstNode? Left => Volatile.Read(ref _entries) is not null ? _left : throw NotLoaded();

    public NodeEntry[] Entries => Volatile.Read(ref _entries) ?? throw NotLoaded();

    /// <summary>True for a node with no entries and no subtree (only valid as the root of an empty tree).</summary>
    public bool IsEmpty => Entries.Length == 0 && _left is null;

    public static MstNode Stub(Cid cid, int layer) => new(layer, cid, null, null, stored: true);

    public static MstNode Create(int layer, MstNode? left, NodeEntry[] entries) => new(layer, null, left, entries, stored: false);

    /// <summary>The node's CID, encoding it (and any new descendants) on first call.</summary>
    public Cid GetCid()
    {
        if (_cid is null)
        {
            Serialize();
        }

        return _cid!;
    }

    /// <summary>The node's block bytes (encoded on demand for new nodes, as read for loaded ones).</summary>
    public byte[] GetBytes()
    {
        if (_bytes is null)
        {
            if (_entries is null)
            {
                throw NotLoaded();
            }

            Serialize();
        }

        return _bytes!;
    }

    private void Serialize()
    {
        var entries = _entries!;
        // Children first (the writer is shared per thread, so no encoding may start while it is in use);
        // their CIDs are then cached for the loop below.
        var leftCid = _left?.GetCid();
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i].Right?.GetCid();
        }

        var writer = NodeWriter.Rent();
        writer.Begin(entries.Length);
        string? prev = null;
        for (var i = 0; i < entries.Length; i++)
        {
            writer.Entry(prev, entries[i].Key, entries[i].Value, entries[i].Right?.GetCid());
            prev = entries[i].Key;
        }

        var bytes = writer.End(leftCid);
        _bytes = bytes;
        _cid ??= Cid.ForDagCbor(bytes);
    }

    /// <summary>Reads and validates the node's block if it is not in memory yet.</summary>
    public ValueTask EnsureLoadedAsync(IBlockSource source, CancellationToken cancellationToken)
    {
        return Volatile.Read(ref _entries) is not null ? ValueTask.CompletedTask : LoadAsync(source, cancellationToken);
    }

    private async ValueTask LoadAsync(IBlockSource source, CancellationToken cancellationToken)
    {
        var cid = _cid!;
        var block = await source.GetBlockAsync(cid, cancellationToken).ConfigureAwait(false)
            ?? throw new MissingBlockException(cid);
        if (!cid.Matches(block.Span))
        {
            throw new MstException($"block {cid} does not match its CID");
        }

        var data = MstNodeData.Decode(block);
        var isRoot = _isRoot;
        int layer;
        if (data.Entries.Count == 0)
        {
            if (isRoot)
            {
                if (data.Left is not null)
                {
                    throw new MstException("the root of a tree must not be an empty node pointing to a subtree");
                }

                layer = 0;
            }
            else
            {
                if (data.Left is null)
                {
                    throw new MstException("empty MST node below the root");
                }

                layer = _layer;
            }
        }
        else
        {
            layer = data.Layer;
            if (!isRoot && layer != _layer)
            {
                throw new MstException($"MST node {cid} holds keys of depth {layer} where depth {_layer} belongs");
            }
        }

        var hasSubtrees = data.Left is not null;
        var entries = new NodeEntry[data.Entries.Count];
        for (var i = 0; i < entries.Length; i++)
        {
            var e = data.Entries[i];
            hasSubtrees |= e.Right is not null;
            entries[i] = new NodeEntry(e.Key, e.Value, e.Right is null ? null : Stub(e.Right, layer - 1));
        }

        if (hasSubtrees && layer == 0)
        {
            throw new MstException("MST node at depth 0 links to a subtree");
        }

        _left = data.Left is null ? null : Stub(data.Left, layer - 1);
        _bytes = block.ToArray();
        _layer = layer;
        // Published last: a reader that sees the entries also sees the fields above (concurrent
        // readers may both load a stub; they store identical content).
        Volatile.Write(ref _entries, entries);
    }

    /// <summary>The subtree between entry <paramref name="index"/> - 1 and entry <paramref name="index"/>.</summary>
    public MstNode? Gap(int index) => index == 0 ? Left : Entries[index - 1].Right;

    /// <summary>A copy of this node with the subtree in gap <paramref name="index"/> replaced.</summary>
    public MstNode WithGap(int index, MstNode? child)
    {
        if (index == 0)
        {
            return Create(_layer, child, Entries);
        }

        var entries = (NodeEntry[])Entries.Clone();
        entries[index - 1] = entries[index - 1] with { Right = child };
        return Create(_layer, _left, entries);
    }

    /// <summary>Index of the first entry whose key is at or after <paramref name="key"/> (ordinal = bytewise for ASCII keys).</summary>
    public static int FindGreaterOrEqual(NodeEntry[] entries, string key)
    {
        int lo = 0, hi = entries.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (string.CompareOrdinal(entries[mid].Key, key) < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private static InvalidOperationException NotLoaded() => new("MST node content is not loaded");
}
