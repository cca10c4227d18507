using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pds.Domain.Data;

/// <summary>
/// A content identifier (CIDv1): version, content codec, and a multihash. atproto's blessed form is
/// CIDv1 + dag-cbor (0x71) or raw (0x55) + sha2-256, written as multibase base32 ('b' prefix).
/// Instances are immutable; equality is by the binary form.
/// </summary>
[JsonConverter(typeof(CidJsonConverter))]
public sealed class Cid : IEquatable<Cid>, IComparable<Cid>, IParsable<Cid>
{
    public const ulong DagCborCodec = 0x71;
    public const ulong RawCodec = 0x55;
    public const ulong Sha256Code = 0x12;
    public const int Sha256Length = 32;

    /// <summary>Binary length of a blessed CID: 1 version + 1 codec + 1 hash code + 1 length + 32 digest.</summary>
    public const int BlessedLength = 36;

    private readonly byte[] _bytes;
    private readonly int _digestOffset;
    private string? _string;
    private int _hash;

    private Cid(byte[] bytes, ulong codec, ulong hashCode, int digestOffset)
    {
        _bytes = bytes;
        Codec = codec;
        MultihashCode = hashCode;
        _digestOffset = digestOffset;
    }

    public int Version => 1;

    public ulong Codec { get; }

    public ulong MultihashCode { get; }

    public ReadOnlySpan<byte> Digest => _bytes.AsSpan(_digestOffset);

    /// <summary>The binary CID (version, codec, multihash).</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>The binary CID as memory, for writers that hold it across an await.</summary>
    internal ReadOnlyMemory<byte> Memory => _bytes;

    public int ByteLength => _bytes.Length;

    /// <summary>True for the forms atproto requires: dag-cbor or raw content, sha2-256 hash.</summary>
    public bool IsBlessed => (Codec == DagCborCodec || Codec == RawCodec) && MultihashCode == Sha256Code && Digest.Length == Sha256Length;

    public static Cid FromSha256(ulong codec, ReadOnlySpan<byte> digest)
    {
        if (digest.Length != Sha256Length)
        {
            throw new ArgumentException("a sha2-256 digest is 32 bytes", nameof(digest));
        }

        var codecLen = Varint.SizeOf(codec);
        var bytes = new byte[1 + codecLen + 2 + Sha256Length];
        bytes[0] = 1;
        Varint.Write(codec, bytes.AsSpan(1));
        bytes[1 + codecLen] = (byte)Sha256Code;
        bytes[2 + codecLen] = Sha256Length;
        digest.CopyTo(bytes.AsSpan(3 + codecLen));
        return new Cid(bytes, codec, Sha256Code, 3 + codecLen);
    }

    /// <summary>The CID of a DAG-CBOR block.</summary>
    public static Cid ForDagCbor(ReadOnlySpan<byte> block) => Hash(DagCborCodec, block);

    /// <summary>The CID of raw bytes (blobs).</summary>
    public static Cid ForRaw(ReadOnlySpan<byte> data) => Hash(RawCodec, data);

    public static Cid Hash(ulong codec, ReadOnlySpan<byte> data)
    {
        Span<byte> digest = stackalloc byte[Sha256Length];
        SHA256.HashData(data, digest);
        return FromSha256(codec, digest);
    }

    /// <summary>True when <paramref name="data"/> hashes to this CID's digest (sha2-256 only).</summary>
    public bool Matches(ReadOnlySpan<byte> data)
    {
        if (MultihashCode != Sha256Code || Digest.Length != Sha256Length)
        {
            return false;
        }

        Span<byte> digest = stackalloc byte[Sha256Length];
        SHA256.HashData(data, digest);
        return digest.SequenceEqual(Digest);
    }

    /// <summary>Reads a binary CIDv1 from the start of <paramref name="input"/> (as in CAR sections).</summary>
    public static bool TryRead(ReadOnlySpan<byte> input, out Cid? cid, out int consumed)
    {
        cid = null;
        if (!TryReadShape(input, out var codec, out var hashCode, out var digestOffset, out consumed))
        {
            return false;
        }

        cid = new Cid(input[..consumed].ToArray(), codec, hashCode, digestOffset);
        return true;
    }

    /// <summary>The structure of a binary CIDv1 at the start of <paramref name="input"/>, without allocating.</summary>
    private static bool TryReadShape(ReadOnlySpan<byte> input, out ulong codec, out ulong hashCode, out int digestOffset, out int consumed)
    {
        codec = hashCode = 0;
        digestOffset = consumed = 0;
        if (!Varint.TryRead(input, out var version, out var n) || version != 1)
        {
            return false;
        }

        var pos = n;
        if (!Varint.TryRead(input[pos..], out codec, out n))
        {
            return false;
        }

        pos += n;
        if (!Varint.TryRead(input[pos..], out hashCode, out n))
        {
            return false;
        }

        pos += n;
        if (!Varint.TryRead(input[pos..], out var digestLen, out n) || digestLen > 128)
        {
            return false;
        }

        pos += n;
        if (input.Length - pos < (int)digestLen)
        {
            return false;
        }

        digestOffset = pos;
        consumed = pos + (int)digestLen;
        return true;
    }

    /// <summary>
    /// Decodes the string form of a CIDv1 (multibase base32) into its binary form in
    /// <paramref name="destination"/> without allocating, as <see cref="TryParse(string?, out Cid)"/>
    /// would read it; false if the string is no such CID or the destination is too small.
    /// </summary>
    public static bool TryDecodeString(ReadOnlySpan<char> s, Span<byte> destination, out int written) =>
        TryDecodeString(s, destination, out written, out _, out _, out _);

    /// <summary><see cref="TryDecodeString(ReadOnlySpan{char}, Span{byte}, out int)"/>, also giving the CID's structure.</summary>
    private static bool TryDecodeString(ReadOnlySpan<char> s, Span<byte> destination, out int written, out ulong codec, out ulong hashCode, out int digestOffset)
    {
        written = 0;
        codec = hashCode = 0;
        digestOffset = 0;
        if (s.Length < 8 || s[0] != 'b')
        {
            return false;
        }

        var length = Base32.DecodedLength(s.Length - 1);
        if (length > destination.Length || !Base32.TryDecode(s[1..], destination[..length]))
        {
            return false;
        }

        if (!TryReadShape(destination[..length], out codec, out hashCode, out digestOffset, out var consumed) || consumed != length)
        {
            return false;
        }

        written = length;
        return true;
    }

    /// <summary>Decodes a binary CID that must span exactly <paramref name="bytes"/>.</summary>
    public static Cid FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (!TryRead(bytes, out var cid, out var consumed) || consumed != bytes.Length)
        {
            throw new FormatException("invalid binary CID");
        }

        return cid!;
    }

    public void CopyTo(Span<byte> destination) => _bytes.CopyTo(destination);

    public byte[] ToArray() => (byte[])_bytes.Clone();

    public override string ToString()
    {
        return _string ??= string.Create(1 + Base32.EncodedLength(_bytes.Length), _bytes, static (chars, bytes) =>
        {
            chars[0] = 'b';
            Base32.Encode(bytes, chars[1..]);
        });
    }

    public static Cid Parse(string s, IFormatProvider? provider = null) =>
        TryParse(s, provider, out var cid) ? cid : throw new FormatException("invalid CID string");

    public static bool TryParse(string? s, out Cid result) => TryParse(s, null, out result);

    /// <summary>Parses the multibase base32 ('b') string form of a CIDv1. CIDv0 ("Qm...") is not accepted.</summary>
    public static bool TryParse(string? s, IFormatProvider? provider, out Cid result)
    {
        result = null!;
        if (s is null || s.Length < 8)
        {
            return false;
        }

        var bytes = new byte[Base32.DecodedLength(s.Length - 1)];
        if (!TryDecodeString(s, bytes, out _, out var codec, out var hashCode, out var digestOffset))
        {
            return false;
        }

        result = new Cid(bytes, codec, hashCode, digestOffset) { _string = s };
        return true;
    }

    /// <summary>
    /// The lexicon "cid" string format check: a loose syntax test (8 to 256 characters of
    /// [A-Za-z0-9+=], and not a CIDv0), not a full decode.
    /// </summary>
    public static bool IsValidSyntax(string? s)
    {
        if (s is null || s.Length < 8 || s.Length > 256 || s.StartsWith("Qmb", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in s)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '+' && c != '=')
            {
                return false;
            }
        }

        return true;
    }

    public bool Equals(Cid? other) => other is not null && (ReferenceEquals(this, other) || _bytes.AsSpan().SequenceEqual(other._bytes));

    public override bool Equals(object? obj) => obj is Cid other && Equals(other);

    public override int GetHashCode()
    {
        if (_hash == 0)
        {
            // The digest is already uniformly distributed.
            var h = BitConverter.ToInt32(_bytes, _bytes.Length - 4);
            _hash = h == 0 ? 1 : h;
        }

        return _hash;
    }

    /// <summary>Orders by binary form (bytewise).</summary>
    public int CompareTo(Cid? other) => other is null ? 1 : _bytes.AsSpan().SequenceCompareTo(other._bytes);

    public static bool operator ==(Cid? left, Cid? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(Cid? left, Cid? right) => !(left == right);

    public static bool operator <(Cid left, Cid right) => left.CompareTo(right) < 0;

    public static bool operator >(Cid left, Cid right) => left.CompareTo(right) > 0;

    public static bool operator <=(Cid left, Cid right) => left.CompareTo(right) <= 0;

    public static bool operator >=(Cid left, Cid right) => left.CompareTo(right) >= 0;
}

/// <summary>Serializes a <see cref="Cid"/> as its string form (use <see cref="LexJson"/> for the data model's <c>$link</c> objects).</summary>
public sealed class CidJsonConverter : JsonConverter<Cid>
{
    public override Cid Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var s = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return Cid.TryParse(s, out var cid) ? cid : throw new JsonException("invalid CID");
    }

    public override void Write(Utf8JsonWriter writer, Cid value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
