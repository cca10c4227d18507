using System.Collections;
using Pds.Domain.Data;

namespace Pds.Domain.Repo;

/// <summary>
/// A set of blocks packed for size, for a large set read in once and then only read (the blocks of
/// a whole repository CAR, as an import holds them). Each block's CID and bytes are copied side by
/// side into shared buffers, and an index of a few integers per block finds them, where
/// <see cref="BlockMap"/> keeps a CID object, an array and a dictionary entry per block (about 180
/// bytes besides the block's own, 1.8 times the size of a repository CAR of small records). Blocks
/// are handed out as slices of the shared buffers, in the order they were added; adding a block that
/// is already present is a no-op. Adding is not safe while other threads read.
/// </summary>
public sealed class PackedBlocks : IBlockSource, IEnumerable<KeyValuePair<Cid, ReadOnlyMemory<byte>>>
{
    // Buffers start small (a permission proof is a few blocks) and double up to this size, below
    // the runtime's large-object threshold (85,000 bytes): large objects count towards full
    // collections, which an import's buffers would otherwise set off. A block larger than that
    // gets a buffer of its own.
    private const int FirstBufferSize = 16 * 1024;
    private const int LargestBufferSize = 64 * 1024;

    private readonly List<byte[]> _buffers = [];
    private byte[] _current = [];
    private int _used;
    private Entry[] _entries = new Entry[16];

    // Open addressing: entry index + 1, 0 for an empty slot; kept at most half full.
    private int[] _slots = new int[32];

    /// <summary>Blocks held.</summary>
    public int Count { get; private set; }

    /// <summary>Total bytes of all blocks held (without their CIDs).</summary>
    public long ByteSize { get; private set; }

    /// <summary>The CIDs in the order their blocks were added (a CID object is made for each as it is reached).</summary>
    public IEnumerable<Cid> Cids
    {
        get
        {
            for (var i = 0; i < Count; i++)
            {
                yield return CidAt(i);
            }
        }
    }

    /// <summary>Copies the block in, unless one with this CID is present already; says whether it was added.</summary>
    public bool Add(Cid cid, ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(cid);
        var key = cid.Bytes;
        var hash = Hash(key);
        if (Find(key, hash) >= 0)
        {
            return false;
        }

        var length = key.Length + bytes.Length;
        if (_current.Length - _used < length)
        {
            NewBuffer(length);
        }

        key.CopyTo(_current.AsSpan(_used));
        bytes.CopyTo(_current.AsSpan(_used + key.Length));
        if (Count == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
        }

        _entries[Count] = new Entry(_buffers.Count - 1, _used, key.Length, bytes.Length, hash);
        _used += length;
        Count++;
        ByteSize += bytes.Length;
        if (Count * 2 > _slots.Length)
        {
            Reindex(_slots.Length * 2);
        }
        else
        {
            Place(_slots, Count - 1, hash);
        }

        return true;
    }

    public bool Contains(Cid cid)
    {
        ArgumentNullException.ThrowIfNull(cid);
        var key = cid.Bytes;
        return Find(key, Hash(key)) >= 0;
    }

    /// <summary>The block's bytes, a slice of a shared buffer (valid as long as this set is).</summary>
    public bool TryGet(Cid cid, out ReadOnlyMemory<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(cid);
        var key = cid.Bytes;
        var index = Find(key, Hash(key));
        bytes = index < 0 ? default : DataAt(index);
        return index >= 0;
    }

    public ValueTask<ReadOnlyMemory<byte>?> GetBlockAsync(Cid cid, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(TryGet(cid, out var bytes) ? bytes : (ReadOnlyMemory<byte>?)null);

    public IEnumerator<KeyValuePair<Cid, ReadOnlyMemory<byte>>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return new(CidAt(i), DataAt(i));
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The position of the block with this CID in the order of adding (0 for the first), or -1.</summary>
    public int IndexOf(Cid cid)
    {
        ArgumentNullException.ThrowIfNull(cid);
        var key = cid.Bytes;
        return Find(key, Hash(key));
    }

    /// <summary>The CID of the block at <paramref name="index"/> (a CID object made for the call).</summary>
    public Cid CidAt(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        var e = _entries[index];
        return Cid.FromBytes(_buffers[e.Buffer].AsSpan(e.Offset, e.CidLength));
    }

    /// <summary>The bytes of the block at <paramref name="index"/>, a slice of a shared buffer.</summary>
    public ReadOnlyMemory<byte> DataAt(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        var e = _entries[index];
        return _buffers[e.Buffer].AsMemory(e.Offset + e.CidLength, e.DataLength);
    }

    private int Find(ReadOnlySpan<byte> key, int hash)
    {
        var mask = _slots.Length - 1;
        for (var slot = hash & mask; ; slot = (slot + 1) & mask)
        {
            var taken = _slots[slot];
            if (taken == 0)
            {
                return -1;
            }

            var e = _entries[taken - 1];
            if (e.Hash == hash && _buffers[e.Buffer].AsSpan(e.Offset, e.CidLength).SequenceEqual(key))
            {
                return taken - 1;
            }
        }
    }

    private static void Place(int[] slots, int index, int hash)
    {
        var mask = slots.Length - 1;
        var slot = hash & mask;
        while (slots[slot] != 0)
        {
            slot = (slot + 1) & mask;
        }

        slots[slot] = index + 1;
    }

    private void Reindex(int size)
    {
        var slots = new int[size];
        for (var i = 0; i < Count; i++)
        {
            Place(slots, i, _entries[i].Hash);
        }

        _slots = slots;
    }

    private void NewBuffer(int atLeast)
    {
        var size = Math.Clamp(_current.Length * 2, FirstBufferSize, LargestBufferSize);
        _current = new byte[Math.Max(size, atLeast)];
        _buffers.Add(_current);
        _used = 0;
    }

    // HashCode is seeded per process: whoever made the blocks cannot choose CIDs that collide here.
    private static int Hash(ReadOnlySpan<byte> key)
    {
        var hash = new HashCode();
        hash.AddBytes(key);
        return hash.ToHashCode() & int.MaxValue;
    }

    private readonly record struct Entry(int Buffer, int Offset, int CidLength, int DataLength, int Hash);
}
