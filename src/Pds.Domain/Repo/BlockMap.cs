using System.Collections;
using Pds.Domain.Data;

namespace Pds.Domain.Repo;

/// <summary>
/// An in-memory set of blocks keyed by CID, remembering insertion order (CAR export writes
/// blocks in the order they were added). Adding a block that is already present is a no-op.
/// </summary>
public sealed class BlockMap : IBlockSource, IEnumerable<KeyValuePair<Cid, ReadOnlyMemory<byte>>>
{
    private readonly Dictionary<Cid, ReadOnlyMemory<byte>> _blocks = [];
    private readonly List<Cid> _order = [];

    public int Count => _order.Count;

    /// <summary>Total bytes of all blocks held.</summary>
    public long ByteSize { get; private set; }

    public IReadOnlyList<Cid> Cids => _order;

    public bool Contains(Cid cid) => _blocks.ContainsKey(cid);

    public bool TryGet(Cid cid, out ReadOnlyMemory<byte> bytes) => _blocks.TryGetValue(cid, out bytes);

    /// <summary>Adds a block whose CID the caller has computed from exactly these bytes.</summary>
    public void Set(Cid cid, ReadOnlyMemory<byte> bytes)
    {
        if (_blocks.TryAdd(cid, bytes))
        {
            _order.Add(cid);
            ByteSize += bytes.Length;
        }
    }

    /// <summary>Encodes <paramref name="value"/> as DAG-CBOR, stores it, and returns its CID.</summary>
    public Cid Add(LexValue value)
    {
        var (cid, bytes) = DagCbor.EncodeBlock(value);
        Set(cid, bytes);
        return cid;
    }

    /// <summary>Adds every block of <paramref name="other"/> not already present.</summary>
    public void AddAll(BlockMap other)
    {
        foreach (var cid in other._order)
        {
            Set(cid, other._blocks[cid]);
        }
    }

    public ValueTask<ReadOnlyMemory<byte>?> GetBlockAsync(Cid cid, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_blocks.TryGetValue(cid, out var b) ? b : (ReadOnlyMemory<byte>?)null);

    public IEnumerator<KeyValuePair<Cid, ReadOnlyMemory<byte>>> GetEnumerator()
    {
        foreach (var cid in _order)
        {
            yield return new(cid, _blocks[cid]);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
