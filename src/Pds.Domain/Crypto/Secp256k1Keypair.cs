using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Pds.Domain.Crypto;

/// <summary>
/// secp256k1 (ES256K) keypair. Signing uses BouncyCastle's specialised secp256k1 field and fixed-base
/// comb multiplier with RFC 6979 deterministic nonces; OpenSSL's generic secp256k1 path is about
/// three times slower (see docs/adr/0002-k256-signing.md).
/// </summary>
public sealed class Secp256k1Keypair : IKeypair
{
    private static readonly EcCurve Curve = EcCurve.Secp256k1;

    private readonly byte[] privateKey;
    private readonly ECPrivateKeyParameters signingKey;
    private bool disposed;

    private Secp256k1Keypair(byte[] privateKey)
    {
        this.privateKey = privateKey;
        var d = EcCurve.ToBigInteger(privateKey);
        signingKey = new ECPrivateKeyParameters(d, Curve.Domain);
        PublicKey = PublicKey.FromPoint(KeyType.Secp256k1, Curve.PublicPoint(d));
    }

    public string JwtAlgorithm => KeyTypes.Es256K;

    public KeyType Type => KeyType.Secp256k1;

    public PublicKey PublicKey { get; }

    public byte[] PublicKeyCompressed => PublicKey.ToCompressedArray();

    public static Secp256k1Keypair Generate() => new(Curve.GeneratePrivateScalar());

    /// <summary>Imports a raw 32-byte private scalar (must be in [1, n-1]).</summary>
    public static Secp256k1Keypair Import(ReadOnlySpan<byte> privateKey32)
    {
        if (!Curve.IsValidScalar(privateKey32))
        {
            throw new ArgumentException("A secp256k1 private key is a 32-byte scalar in [1, n-1].", nameof(privateKey32));
        }

        return new Secp256k1Keypair(privateKey32.ToArray());
    }

    /// <summary>Imports a private key given as 64 hex characters.</summary>
    public static Secp256k1Keypair ImportHex(string privateKeyHex) => Import(KeypairHex.Decode(privateKeyHex));

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
        ObjectDisposedException.ThrowIf(disposed, this);
        if (signature64.Length < EcCurve.SignatureLength)
        {
            return false;
        }

        var digest = new byte[32];
        SHA256.HashData(data, digest);
        var signer = new ECDsaSigner(new HMacDsaKCalculator(new Sha256Digest()));
        signer.Init(true, signingKey);
        var rs = signer.GenerateSignature(digest);
        EcCurve.WriteFixed(rs[0], signature64[..32]);
        EcCurve.WriteFixed(rs[1], signature64[32..64]);
        Curve.NormalizeLowS(signature64[32..64]);
        return true;
    }

    public byte[] ExportPrivateKey()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return (byte[])privateKey.Clone();
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(privateKey);
        disposed = true;
    }

    /// <summary>Shows only the public key.</summary>
    public override string ToString() => $"{nameof(Secp256k1Keypair)}({PublicKey.DidKey()})";
}
