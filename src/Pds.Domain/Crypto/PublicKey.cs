using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using BcPoint = Org.BouncyCastle.Math.EC.ECPoint;

namespace Pds.Domain.Crypto;

/// <summary>
/// A parsed, validated atproto public key: curve plus the 33-byte compressed point. Parsing checks
/// that the point is on the curve. The decompressed point and, for P-256, the native verification
/// key are derived once and kept, so callers that cache <see cref="PublicKey"/> instances (for
/// example per DID) pay point decompression only once. Instances are immutable and thread-safe.
/// </summary>
public sealed class PublicKey : IEquatable<PublicKey>
{
    private readonly byte[] compressed;
    private readonly ECPublicKeyParameters bcKey;
    private readonly Lock nativeLock = new();
    private ECDsa? nativeVerifier;

    private PublicKey(KeyType type, byte[] compressed, BcPoint point)
    {
        Type = type;
        this.compressed = compressed;
        bcKey = new ECPublicKeyParameters(point, EcCurve.For(type).Domain);
    }

    public KeyType Type { get; }

    public string JwtAlgorithm => Type.JwtAlgorithm();

    /// <summary>The SEC1 compressed point (33 bytes, 0x02/0x03 prefix).</summary>
    public ReadOnlySpan<byte> Compressed => compressed;

    internal ECPublicKeyParameters BcKey => bcKey;

    /// <summary>Copy of the compressed point.</summary>
    public byte[] ToCompressedArray() => (byte[])compressed.Clone();

    /// <summary>The SEC1 uncompressed point (65 bytes, 0x04 || X || Y).</summary>
    public byte[] ToUncompressedArray() => bcKey.Q.GetEncoded(false);

    /// <summary>The <c>did:key:z…</c> identifier for this key.</summary>
    public string DidKey() => Crypto.DidKey.Prefix + PublicKeyMultibase();

    /// <summary>The multikey form (<c>z</c> + base58btc(multicodec varint || compressed point)).</summary>
    public string PublicKeyMultibase() => Multikey.Format(Type, compressed);

    /// <summary>Builds a key from a compressed (33) or uncompressed (65) SEC1 point; false if not on the curve.</summary>
    public static bool TryFromSec1(KeyType type, ReadOnlySpan<byte> point, out PublicKey key)
    {
        key = null!;
        if (type is not (KeyType.Secp256k1 or KeyType.P256))
        {
            return false;
        }

        var curve = EcCurve.For(type);
        if (!curve.TryDecodePoint(point, out var decoded))
        {
            return false;
        }

        key = new PublicKey(type, decoded.GetEncoded(true), decoded);
        return true;
    }

    public static PublicKey FromSec1(KeyType type, ReadOnlySpan<byte> point) =>
        TryFromSec1(type, point, out var key) ? key : throw new FormatException("Not a valid public key point for the curve.");

    internal static PublicKey FromPoint(KeyType type, BcPoint point)
    {
        var normalized = point.Normalize();
        return new PublicKey(type, normalized.GetEncoded(true), normalized);
    }

    /// <summary>Parses <c>did:key:z…</c> (secp256k1 or P-256, compressed point).</summary>
    public static bool TryParseDidKey(string? didKey, out PublicKey key) => Crypto.DidKey.TryParse(didKey, out key);

    public static PublicKey ParseDidKey(string didKey) => Crypto.DidKey.Parse(didKey);

    /// <summary>Parses a multikey <c>publicKeyMultibase</c> value (<c>z</c> + multicodec + compressed point).</summary>
    public static bool TryParseMultikey(string? multibase, out PublicKey key) => Multikey.TryParse(multibase, out key);

    /// <summary>
    /// Parses the deprecated DID-document form: <c>z</c> + base58btc of the raw point with no multicodec,
    /// curve known from the verification method type. The atproto DID spec describes the uncompressed
    /// point; documents with a compressed point exist too, so both SEC1 forms are accepted.
    /// </summary>
    public static bool TryParseLegacyMultibase(KeyType type, string? multibase, out PublicKey key)
    {
        key = null!;
        if (multibase is null || multibase.Length < 2 || multibase[0] != 'z' || multibase.Length > 128)
        {
            return false;
        }

        return Base58.TryDecode(multibase.AsSpan(1), out var bytes) && TryFromSec1(type, bytes, out key);
    }

    /// <summary>
    /// Parses a DID-document verification method by its <c>type</c>: <c>Multikey</c>, or the legacy
    /// <c>EcdsaSecp256k1VerificationKey2019</c> / <c>EcdsaSecp256r1VerificationKey2019</c>.
    /// </summary>
    public static bool TryParseVerificationMethod(string? methodType, string? publicKeyMultibase, out PublicKey key)
    {
        key = null!;
        return methodType switch
        {
            Multikey.VerificationMethodType => Multikey.TryParse(publicKeyMultibase, out key),
            Multikey.LegacySecp256k1Type => TryParseLegacyMultibase(KeyType.Secp256k1, publicKeyMultibase, out key),
            Multikey.LegacyP256Type => TryParseLegacyMultibase(KeyType.P256, publicKeyMultibase, out key),
            _ => false,
        };
    }

    /// <summary>
    /// Runs <paramref name="verify"/> against the cached OpenSSL key for this P-256 public key.
    /// Import costs more than a verification, so it happens once per instance.
    /// </summary>
    internal bool WithNativeVerifier(Func<ECDsa, bool> verify)
    {
        lock (nativeLock)
        {
            nativeVerifier ??= CreateNative();
            return verify(nativeVerifier);
        }
    }

    private ECDsa CreateNative()
    {
        var q = bcKey.Q;
        return ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint
            {
                X = q.AffineXCoord.GetEncoded(),
                Y = q.AffineYCoord.GetEncoded(),
            },
        });
    }

    public bool Equals(PublicKey? other) =>
        other is not null && other.Type == Type && other.compressed.AsSpan().SequenceEqual(compressed);

    public override bool Equals(object? obj) => obj is PublicKey other && Equals(other);

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.Add(Type);
        hash.AddBytes(compressed);
        return hash.ToHashCode();
    }

    public override string ToString() => DidKey();
}
