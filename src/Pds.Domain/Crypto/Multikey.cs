namespace Pds.Domain.Crypto;

/// <summary>
/// The multikey public-key encoding: <c>z</c> + base58btc(multicodec varint || compressed point).
/// secp256k1-pub is code 0xe7 (varint 0xe7 0x01); p256-pub is code 0x1200 (varint 0x80 0x24).
/// </summary>
public static class Multikey
{
    public const string VerificationMethodType = "Multikey";
    public const string LegacySecp256k1Type = "EcdsaSecp256k1VerificationKey2019";
    public const string LegacyP256Type = "EcdsaSecp256r1VerificationKey2019";

    private const int PrefixedLength = 2 + EcCurve.CompressedLength;

    /// <summary>Longest multibase string accepted; a 35-byte payload is 48 base58 characters.</summary>
    private const int MaxEncodedLength = 64;

    internal static ReadOnlySpan<byte> Secp256k1Codec => [0xe7, 0x01];

    internal static ReadOnlySpan<byte> P256Codec => [0x80, 0x24];

    public static string Format(KeyType type, ReadOnlySpan<byte> compressedPoint)
    {
        if (compressedPoint.Length != EcCurve.CompressedLength)
        {
            throw new ArgumentException("A compressed point is 33 bytes.", nameof(compressedPoint));
        }

        Span<byte> buffer = stackalloc byte[PrefixedLength];
        var codec = type switch
        {
            KeyType.Secp256k1 => Secp256k1Codec,
            KeyType.P256 => P256Codec,
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };
        codec.CopyTo(buffer);
        compressedPoint.CopyTo(buffer[2..]);
        return "z" + Base58.Encode(buffer);
    }

    /// <summary>Parses a multikey string; false (never an exception) for anything malformed or off-curve.</summary>
    public static bool TryParse(string? multibase, out PublicKey key) =>
        TryParse(multibase.AsSpan(), out key);

    public static bool TryParse(ReadOnlySpan<char> multibase, out PublicKey key)
    {
        key = null!;
        if (multibase.Length < 2 || multibase.Length > MaxEncodedLength || multibase[0] != 'z')
        {
            return false;
        }

        if (!Base58.TryDecode(multibase[1..], out var bytes) || bytes.Length != PrefixedLength)
        {
            return false;
        }

        var body = bytes.AsSpan(2);
        if (bytes.AsSpan(0, 2).SequenceEqual(Secp256k1Codec))
        {
            return body[0] is 0x02 or 0x03 && PublicKey.TryFromSec1(KeyType.Secp256k1, body, out key);
        }

        if (bytes.AsSpan(0, 2).SequenceEqual(P256Codec))
        {
            return body[0] is 0x02 or 0x03 && PublicKey.TryFromSec1(KeyType.P256, body, out key);
        }

        return false;
    }

    public static PublicKey Parse(string multibase) =>
        TryParse(multibase, out var key) ? key : throw new FormatException("Not a valid secp256k1 or P-256 multikey.");
}
