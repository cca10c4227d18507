using System.Security.Cryptography;

namespace Pds.Domain.Crypto;

/// <summary>
/// NIST P-256 (ES256) keypair. Signing runs on the platform ECDSA (OpenSSL's optimised P-256),
/// with the result normalised to low-S as atproto requires.
/// </summary>
public sealed class P256Keypair : IKeypair
{
    private static readonly EcCurve Curve = EcCurve.P256;

    private readonly ECDsa ecdsa;

    private P256Keypair(ReadOnlySpan<byte> privateKey32)
    {
        var d = EcCurve.ToBigInteger(privateKey32);
        var point = Curve.PublicPoint(d);
        PublicKey = PublicKey.FromPoint(KeyType.P256, point);
        var parameters = new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            D = privateKey32.ToArray(),
            Q = new ECPoint { X = point.AffineXCoord.GetEncoded(), Y = point.AffineYCoord.GetEncoded() },
        };
        try
        {
            ecdsa = ECDsa.Create(parameters);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(parameters.D);
        }
    }

    public string JwtAlgorithm => KeyTypes.Es256;

    public KeyType Type => KeyType.P256;

    public PublicKey PublicKey { get; }

    public byte[] PublicKeyCompressed => PublicKey.ToCompressedArray();

    public static P256Keypair Generate()
    {
        var scalar = Curve.GeneratePrivateScalar();
        try
        {
            return new P256Keypair(scalar);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(scalar);
        }
    }

    /// <summary>Imports a raw 32-byte private scalar (must be in [1, n-1]).</summary>
    public static P256Keypair Import(ReadOnlySpan<byte> privateKey32)
    {
        if (!Curve.IsValidScalar(privateKey32))
        {
            throw new ArgumentException("A P-256 private key is a 32-byte scalar in [1, n-1].", nameof(privateKey32));
        }

        return new P256Keypair(privateKey32);
    }

    /// <summary>Imports a private key given as 64 hex characters.</summary>
    public static P256Keypair ImportHex(string privateKeyHex)
    {
        var bytes = KeypairHex.Decode(privateKeyHex);
        try
        {
            return Import(bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    public string DidKey() => PublicKey.DidKey();

    public string PublicKeyMultibase() => PublicKey.PublicKeyMultibase();

    public byte[] Sign(ReadOnlySpan<byte> data)
    {
        var signature = new byte[EcCurve.SignatureLength];
        TrySign(data, signature);
        return signature;
    }

    public bool TrySign(ReadOnlySpan<byte> data, Span<byte> signature64)
    {
        if (signature64.Length < EcCurve.SignatureLength)
        {
            return false;
        }

        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(data, digest);
        if (!ecdsa.TrySignHash(digest, signature64[..64], DSASignatureFormat.IeeeP1363FixedFieldConcatenation, out var written)
            || written != EcCurve.SignatureLength)
        {
            throw new CryptographicException("P-256 signing failed.");
        }

        Curve.NormalizeLowS(signature64[32..64]);
        return true;
    }

    public byte[] ExportPrivateKey() => ecdsa.ExportParameters(includePrivateParameters: true).D!;

    public void Dispose() => ecdsa.Dispose();

    /// <summary>Shows only the public key.</summary>
    public override string ToString() => $"{nameof(P256Keypair)}({PublicKey.DidKey()})";
}
