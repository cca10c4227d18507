using System.Numerics;

namespace Pds.Domain.Identity;

/// <summary>The public key curves atproto DID documents name.</summary>
public enum MultikeyCurve
{
    Unknown,
    P256,
    Secp256k1,
}

/// <summary>
/// Reading and re-encoding <c>publicKeyMultibase</c> values of DID documents: the Multikey form
/// (base58btc of a multicodec-prefixed compressed point, as in did:key) and the legacy
/// <c>EcdsaSecp256*VerificationKey2019</c> form (base58btc of the bare uncompressed point).
/// </summary>
internal static class Multikey
{
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    // Varint-encoded multicodec prefixes: secp256k1-pub (0xe7) and p256-pub (0x1200).
    private static readonly byte[] Secp256k1Prefix = [0xe7, 0x01];
    private static readonly byte[] P256Prefix = [0x80, 0x24];

    private const int CompressedLength = 33;
    private const int UncompressedLength = 65;

    /// <summary>The curve of a <c>did:key:</c> or bare Multikey <c>z...</c> string; Unknown for other key types or bad syntax.</summary>
    public static MultikeyCurve CurveOf(string didKeyOrMultibase)
    {
        var multibase = didKeyOrMultibase.StartsWith(DidDocument.DidKeyPrefix, StringComparison.Ordinal)
            ? didKeyOrMultibase[DidDocument.DidKeyPrefix.Length..]
            : didKeyOrMultibase;
        if (!TryDecodeMultibase(multibase, out var bytes) || bytes.Length != 2 + CompressedLength)
        {
            return MultikeyCurve.Unknown;
        }

        if (bytes.AsSpan(0, 2).SequenceEqual(Secp256k1Prefix))
        {
            return MultikeyCurve.Secp256k1;
        }

        return bytes.AsSpan(0, 2).SequenceEqual(P256Prefix) ? MultikeyCurve.P256 : MultikeyCurve.Unknown;
    }

    /// <summary>did:key syntax: the <c>did:key:</c> prefix and a decodable base58btc (<c>z</c>) multibase of a multicodec-prefixed key.</summary>
    public static bool IsValidDidKeySyntax(string? didKey) =>
        didKey is not null
        && didKey.StartsWith(DidDocument.DidKeyPrefix, StringComparison.Ordinal)
        && TryDecodeMultibase(didKey[DidDocument.DidKeyPrefix.Length..], out var bytes)
        && bytes.Length > 2;

    /// <summary>Converts a legacy verification method's uncompressed key to the did:key form.</summary>
    public static string? LegacyToDidKey(MultikeyCurve curve, string publicKeyMultibase)
    {
        if (curve == MultikeyCurve.Unknown || !TryDecodeMultibase(publicKeyMultibase, out var key))
        {
            return null;
        }

        Span<byte> compressed = stackalloc byte[CompressedLength];
        if (key.Length == UncompressedLength && key[0] == 0x04)
        {
            // Compressed form: 0x02 / 0x03 by the parity of y, then x.
            compressed[0] = (byte)(0x02 | (key[^1] & 1));
            key.AsSpan(1, 32).CopyTo(compressed[1..]);
        }
        else if (key.Length == CompressedLength && key[0] is 0x02 or 0x03)
        {
            key.CopyTo(compressed);
        }
        else
        {
            return null;
        }

        var prefixed = new byte[2 + CompressedLength];
        (curve == MultikeyCurve.P256 ? P256Prefix : Secp256k1Prefix).CopyTo(prefixed, 0);
        compressed.CopyTo(prefixed.AsSpan(2));
        return DidDocument.DidKeyPrefix + "z" + EncodeBase58(prefixed);
    }

    public static bool TryDecodeMultibase(string multibase, out byte[] bytes)
    {
        bytes = [];
        return multibase.Length > 1 && multibase[0] == 'z' && TryDecodeBase58(multibase.AsSpan(1), out bytes);
    }

    private static bool TryDecodeBase58(ReadOnlySpan<char> text, out byte[] bytes)
    {
        bytes = [];
        if (text.IsEmpty || text.Length > 256)
        {
            return false;
        }

        var value = BigInteger.Zero;
        var leadingZeros = 0;
        var counting = true;
        foreach (var c in text)
        {
            var digit = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (digit < 0)
            {
                return false;
            }

            if (counting && digit == 0)
            {
                leadingZeros++;
            }
            else
            {
                counting = false;
            }

            value = (value * 58) + digit;
        }

        var body = value.IsZero ? [] : value.ToByteArray(isUnsigned: true, isBigEndian: true);
        bytes = new byte[leadingZeros + body.Length];
        body.CopyTo(bytes, leadingZeros);
        return true;
    }

    internal static string EncodeBase58(ReadOnlySpan<byte> data)
    {
        var leadingZeros = 0;
        while (leadingZeros < data.Length && data[leadingZeros] == 0)
        {
            leadingZeros++;
        }

        var value = new BigInteger(data, isUnsigned: true, isBigEndian: true);
        var chars = new List<char>(data.Length * 2);
        while (value > 0)
        {
            value = BigInteger.DivRem(value, 58, out var remainder);
            chars.Add(Alphabet[(int)remainder]);
        }

        chars.AddRange(Enumerable.Repeat('1', leadingZeros));
        chars.Reverse();
        return new string(chars.ToArray());
    }
}
