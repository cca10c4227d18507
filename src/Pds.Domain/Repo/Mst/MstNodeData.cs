using System.Text;
using Pds.Domain.Data;

namespace Pds.Domain.Repo.Mst;

/// <summary>One entry of a decoded MST node, with its key expanded from the prefix compression.</summary>
public readonly record struct MstNodeEntry(string Key, Cid Value, Cid? Right);

/// <summary>
/// The content of one MST node block: <c>{ l: link | null, e: [{ p, k, v, t }] }</c> in DAG-CBOR, keys
/// prefix-compressed against the previous entry of the same node.
/// </summary>
public sealed class MstNodeData
{
    public MstNodeData(Cid? left, IReadOnlyList<MstNodeEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        Left = left;
        Entries = entries;
        Layer = entries.Count == 0 ? -1 : MstKey.Height(entries[0].Key);
    }

    /// <summary>Subtree with keys sorting before every entry of this node.</summary>
    public Cid? Left { get; }

    public IReadOnlyList<MstNodeEntry> Entries { get; }

    /// <summary>The depth shared by all keys of the node; -1 when the node has no entries.</summary>
    public int Layer { get; }

    /// <summary>The canonical DAG-CBOR encoding.</summary>
    public byte[] Encode()
    {
        var writer = NodeWriter.Rent();
        writer.Begin(Entries.Count);
        string? prev = null;
        foreach (var e in Entries)
        {
            writer.Entry(prev, e.Key, e.Value, e.Right);
            prev = e.Key;
        }

        return writer.End(Left);
    }

    /// <summary>
    /// Decodes and validates a node: exact schema (no missing or extra fields), canonical DAG-CBOR
    /// (shortest-form lengths and integers, definite lengths, keys in canonical order), valid keys in
    /// strictly ascending order, prefix lengths equal to the real shared prefix (compression is
    /// mandatory), all keys at the same depth, and blessed links to subtrees.
    /// </summary>
    /// <exception cref="MstException">The block is not a valid MST node.</exception>
    public static MstNodeData Decode(ReadOnlyMemory<byte> block)
    {
        // The node schema is fixed, so a direct reader over the bytes both parses and enforces the
        // single canonical form (the generic CBOR reader's canonical mode costs several times more).
        var reader = new NodeReader(block.Span);
        reader.Expect(0xA2, "an MST node is a map of exactly 'e' and 'l'");
        reader.ExpectKey((byte)'e');
        var count = reader.ReadHeader(4, "entry array");
        if (count > (ulong)reader.Remaining)
        {
            throw new MstException("entry count exceeds the block size");
        }

        var entries = new MstNodeEntry[(int)count];
        var layer = -1;
        string? prev = null;
        for (var i = 0; i < entries.Length; i++)
        {
            reader.Expect(0xA4, "an MST entry is a map of exactly 'k', 'p', 't' and 'v'");
            reader.ExpectKey((byte)'k');
            var suffix = reader.ReadBytes();
            reader.ExpectKey((byte)'p');
            var p = reader.ReadHeader(0, "prefix length");
            reader.ExpectKey((byte)'t');
            var right = reader.ReadNullableLink();
            reader.ExpectKey((byte)'v');
            var value = reader.ReadLink();

            var prevLength = prev?.Length ?? 0;
            if (p > (ulong)prevLength)
            {
                throw new MstException("entry prefix length exceeds the previous key");
            }

            if (prev is null && p != 0)
            {
                throw new MstException("the first entry of a node must have prefix length 0");
            }

            if (!Ascii.IsValid(suffix))
            {
                throw new MstException("MST key is not a valid repository path");
            }

            var key = BuildKey(prev, (int)p, suffix);
            if (!MstKey.IsValid(key))
            {
                throw new MstException($"MST key \"{key}\" is not a valid repository path");
            }

            if (prev is not null)
            {
                if (string.CompareOrdinal(prev, key) >= 0)
                {
                    throw new MstException("MST entries are not in strictly ascending key order");
                }

                if (prev.AsSpan().CommonPrefixLength(key) != (int)p)
                {
                    throw new MstException("entry prefix length is not the shared prefix of the neighbouring keys");
                }
            }

            var height = MstKey.Height(key);
            if (layer < 0)
            {
                layer = height;
            }
            else if (height != layer)
            {
                throw new MstException("MST node holds keys of different depths");
            }

            if (right is not null)
            {
                CheckNodeLink(right);
            }

            entries[i] = new MstNodeEntry(key, value, right);
            prev = key;
        }

        reader.ExpectKey((byte)'l');
        var left = reader.ReadNullableLink();
        if (left is not null)
        {
            CheckNodeLink(left);
        }

        if (reader.Remaining != 0)
        {
            throw new MstException("trailing bytes after the MST node");
        }

        return new MstNodeData(left, entries, layer);
    }

    private static string BuildKey(string? prev, int prefixLength, ReadOnlySpan<byte> suffix)
    {
        var chars = prefixLength + suffix.Length;
        if (chars <= 512)
        {
            Span<char> buffer = stackalloc char[chars];
            prev.AsSpan(0, prefixLength).CopyTo(buffer);
            Encoding.ASCII.GetChars(suffix, buffer[prefixLength..]);
            return new string(buffer);
        }

        return string.Concat(prev.AsSpan(0, prefixLength), Encoding.ASCII.GetString(suffix));
    }

    private MstNodeData(Cid? left, MstNodeEntry[] entries, int layer)
    {
        Left = left;
        Entries = entries;
        Layer = layer;
    }

    private static void CheckNodeLink(Cid cid)
    {
        if (cid.Codec != Cid.DagCborCodec || !cid.IsBlessed)
        {
            throw new MstException("links to MST nodes must be CIDv1 dag-cbor sha2-256");
        }
    }
}

/// <summary>
/// Writes MST node blocks straight to canonical DAG-CBOR bytes. The schema is fixed, so the map keys
/// are emitted in canonical order (length first, then bytewise: e, l; k, p, t, v) without sorting.
/// </summary>
internal sealed class NodeWriter
{
    [ThreadStatic]
    private static NodeWriter? t_cached;

    private byte[] _buffer = new byte[1024];
    private int _pos;

    public static NodeWriter Rent()
    {
        var w = t_cached ??= new NodeWriter();
        w._pos = 0;
        return w;
    }

    public void Begin(int count)
    {
        Ensure(3 + 9);
        _buffer[_pos++] = 0xA2; // map(2)
        _buffer[_pos++] = 0x61; // text(1)
        _buffer[_pos++] = (byte)'e';
        Header(4, (ulong)count);
    }

    /// <summary>Writes one entry; keys are ASCII (validated repository paths), so chars are bytes.</summary>
    public void Entry(string? previousKey, string key, Cid value, Cid? right)
    {
        var p = previousKey is null ? 0 : previousKey.AsSpan().CommonPrefixLength(key);
        var suffixLength = key.Length - p;
        Ensure(1 + 2 + 9 + suffixLength + 2 + 9 + 2 + 2 * (4 + 1 + 64) + 2);
        _buffer[_pos++] = 0xA4; // map(4)
        _buffer[_pos++] = 0x61;
        _buffer[_pos++] = (byte)'k';
        Header(2, (ulong)suffixLength);
        for (var i = p; i < key.Length; i++)
        {
            _buffer[_pos++] = (byte)key[i];
        }

        _buffer[_pos++] = 0x61;
        _buffer[_pos++] = (byte)'p';
        Header(0, (ulong)p);
        _buffer[_pos++] = 0x61;
        _buffer[_pos++] = (byte)'t';
        Link(right);
        _buffer[_pos++] = 0x61;
        _buffer[_pos++] = (byte)'v';
        Link(value);
    }

    public byte[] End(Cid? left)
    {
        Ensure(2 + 4 + 1 + 64);
        _buffer[_pos++] = 0x61;
        _buffer[_pos++] = (byte)'l';
        Link(left);
        return _buffer.AsSpan(0, _pos).ToArray();
    }

    private void Link(Cid? cid)
    {
        if (cid is null)
        {
            _buffer[_pos++] = 0xF6; // null
            return;
        }

        Ensure(2 + 9 + 1 + cid.ByteLength);
        _buffer[_pos++] = 0xD8; // tag(42)
        _buffer[_pos++] = 42;
        Header(2, (ulong)cid.ByteLength + 1);
        _buffer[_pos++] = 0; // identity multibase prefix
        cid.CopyTo(_buffer.AsSpan(_pos));
        _pos += cid.ByteLength;
    }

    private void Header(int major, ulong value)
    {
        var m = (byte)(major << 5);
        if (value < 24)
        {
            _buffer[_pos++] = (byte)(m | (byte)value);
        }
        else if (value <= byte.MaxValue)
        {
            _buffer[_pos++] = (byte)(m | 24);
            _buffer[_pos++] = (byte)value;
        }
        else if (value <= ushort.MaxValue)
        {
            _buffer[_pos++] = (byte)(m | 25);
            _buffer[_pos++] = (byte)(value >> 8);
            _buffer[_pos++] = (byte)value;
        }
        else if (value <= uint.MaxValue)
        {
            _buffer[_pos++] = (byte)(m | 26);
            for (var s = 24; s >= 0; s -= 8)
            {
                _buffer[_pos++] = (byte)(value >> s);
            }
        }
        else
        {
            _buffer[_pos++] = (byte)(m | 27);
            for (var s = 56; s >= 0; s -= 8)
            {
                _buffer[_pos++] = (byte)(value >> s);
            }
        }
    }

    private void Ensure(int extra)
    {
        if (_pos + extra > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _pos + extra));
        }
    }
}

/// <summary>A forward-only reader for the fixed MST node schema that accepts only canonical DAG-CBOR.</summary>
internal ref struct NodeReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _pos;

    public readonly int Remaining => _data.Length - _pos;

    public void Expect(byte value, string message)
    {
        if (_pos >= _data.Length || _data[_pos] != value)
        {
            throw new MstException(message);
        }

        _pos++;
    }

    /// <summary>A one-character text key: 0x61 then the character.</summary>
    public void ExpectKey(byte name)
    {
        if (Remaining < 2 || _data[_pos] != 0x61 || _data[_pos + 1] != name)
        {
            throw new MstException($"MST node field '{(char)name}' expected");
        }

        _pos += 2;
    }

    /// <summary>Reads a head of the given major type with its argument in shortest form.</summary>
    public ulong ReadHeader(int major, string what)
    {
        if (_pos >= _data.Length)
        {
            throw new MstException($"truncated MST node ({what})");
        }

        var initial = _data[_pos++];
        if (initial >> 5 != major)
        {
            throw new MstException($"unexpected CBOR type for {what}");
        }

        var info = initial & 0x1F;
        if (info < 24)
        {
            return (ulong)info;
        }

        var size = info switch
        {
            24 => 1,
            25 => 2,
            26 => 4,
            27 => 8,
            _ => throw new MstException($"indefinite or reserved CBOR length for {what}"),
        };
        if (Remaining < size)
        {
            throw new MstException($"truncated MST node ({what})");
        }

        ulong value = 0;
        for (var i = 0; i < size; i++)
        {
            value = (value << 8) | _data[_pos++];
        }

        var min = size switch
        {
            1 => 24UL,
            2 => 0x100UL,
            4 => 0x1_0000UL,
            _ => 0x1_0000_0000UL,
        };
        if (value < min)
        {
            throw new MstException($"non-canonical CBOR integer encoding for {what}");
        }

        return value;
    }

    public ReadOnlySpan<byte> ReadBytes()
    {
        var length = ReadHeader(2, "byte string");
        if (length > (ulong)Remaining)
        {
            throw new MstException("truncated MST node (byte string)");
        }

        var bytes = _data.Slice(_pos, (int)length);
        _pos += (int)length;
        return bytes;
    }

    public Cid ReadLink()
    {
        if (Remaining < 2 || _data[_pos] != 0xD8 || _data[_pos + 1] != 42)
        {
            throw new MstException("expected a CID link (tag 42)");
        }

        _pos += 2;
        var bytes = ReadBytes();
        if (bytes.Length < 2 || bytes[0] != 0)
        {
            throw new MstException("CID link bytes must start with the 0x00 multibase prefix");
        }

        if (!Cid.TryRead(bytes[1..], out var cid, out var consumed) || consumed != bytes.Length - 1)
        {
            throw new MstException("invalid CID in link");
        }

        return cid!;
    }

    public Cid? ReadNullableLink()
    {
        if (_pos < _data.Length && _data[_pos] == 0xF6)
        {
            _pos++;
            return null;
        }

        return ReadLink();
    }
}
