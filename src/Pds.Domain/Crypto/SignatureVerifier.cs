using System.Collections.Concurrent;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Signers;

namespace Pds.Domain.Crypto;

/// <summary>
/// atproto signature verification: SHA-256 of the data, ECDSA over the digest, signature in the
/// 64-byte compact <c>r || s</c> form only (DER is rejected), and s must be low (s &lt;= n/2) on both
/// curves. Never throws on malformed input; every failure is <c>false</c>.
/// </summary>
public static class SignatureVerifier
{
    private const int MaxCachedKeys = 4096;

    // did:key strings repeat heavily (one per account); parsing includes a modular square root,
    // so parsed keys are kept in a small bounded cache.
    private static readonly ConcurrentDictionary<string, PublicKey> DidKeyCache = new(StringComparer.Ordinal);

    public static bool Verify(string? didKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        TryGetCachedDidKey(didKey, out var key) && Verify(key, data, signature);

    public static bool Verify(PublicKey? key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (key is null)
        {
            return false;
        }

        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(data, digest);
        return VerifyDigest(key, digest, signature);
    }

    /// <summary>Verifies a signature over an already computed SHA-256 digest.</summary>
    public static bool VerifyDigest(PublicKey? key, ReadOnlySpan<byte> digest32, ReadOnlySpan<byte> signature)
    {
        if (key is null || digest32.Length != 32 || signature.Length != EcCurve.SignatureLength)
        {
            return false;
        }

        var curve = EcCurve.For(key.Type);
        if (!curve.IsValidScalar(signature[..32]) || !curve.IsLowS(signature[32..]))
        {
            return false;
        }

        try
        {
            return key.Type == KeyType.P256
                ? VerifyP256(key, digest32, signature)
                : VerifySecp256k1(key, digest32, signature);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>Parses a did:key through the shared cache; false for anything that is not a valid key.</summary>
    public static bool TryGetCachedDidKey(string? didKey, out PublicKey key)
    {
        key = null!;
        if (didKey is null)
        {
            return false;
        }

        if (DidKeyCache.TryGetValue(didKey, out var cached))
        {
            key = cached;
            return true;
        }

        if (!DidKey.TryParse(didKey, out key))
        {
            return false;
        }

        if (DidKeyCache.Count >= MaxCachedKeys)
        {
            DidKeyCache.Clear();
        }

        DidKeyCache.TryAdd(didKey, key);
        return true;
    }

    private static bool VerifySecp256k1(PublicKey key, ReadOnlySpan<byte> digest, ReadOnlySpan<byte> signature)
    {
        var verifier = new ECDsaSigner();
        verifier.Init(false, key.BcKey);
        return verifier.VerifySignature(
            digest.ToArray(), EcCurve.ToBigInteger(signature[..32]), EcCurve.ToBigInteger(signature[32..]));
    }

    private static bool VerifyP256(PublicKey key, ReadOnlySpan<byte> digest, ReadOnlySpan<byte> signature)
    {
        // The lambda cannot capture spans; copy the 96 bytes once.
        var digestCopy = digest.ToArray();
        var signatureCopy = signature.ToArray();
        return key.WithNativeVerifier(ecdsa =>
            ecdsa.VerifyHash(digestCopy, signatureCopy, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }
}
