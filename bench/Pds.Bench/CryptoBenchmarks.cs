using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.EC;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math.EC.Multiplier;
using Pds.Domain.Crypto;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;

namespace Pds.Bench;

/// <summary>
/// ECDSA back-ends compared for atproto signing and verification (SHA-256 digest, compact r||s).
/// The <c>Pds*</c> benchmarks are the production paths in Pds.Domain.Crypto; the others are the
/// alternatives they were chosen against (docs/adr/0002-k256-signing.md).
/// </summary>
[MemoryDiagnoser]
public class CryptoSecp256k1Benchmarks : EcdsaBackendBenchmarks
{
    public CryptoSecp256k1Benchmarks()
        : base(KeyType.Secp256k1)
    {
    }
}

/// <inheritdoc cref="CryptoSecp256k1Benchmarks"/>
[MemoryDiagnoser]
public class CryptoP256Benchmarks : EcdsaBackendBenchmarks
{
    public CryptoP256Benchmarks()
        : base(KeyType.P256)
    {
    }
}

/// <summary>Shared setup and benchmark bodies for one curve.</summary>
public abstract class EcdsaBackendBenchmarks : IDisposable
{
    private readonly KeyType type;
    private readonly byte[] data = new byte[256];
    private readonly byte[] digest;
    private IKeypair keypair = null!;
    private byte[] signature = null!;
    private string didKey = null!;
    private PublicKey publicKey = null!;
    private ECDsa openSsl = null!;
    private ECDsa openSslPublic = null!;
    private ECParameters publicParameters;
    private ECPrivateKeyParameters bcGenericPrivate = null!;
    private ECPublicKeyParameters bcGenericPublic = null!;
    private ECPrivateKeyParameters bcCustomPrivate = null!;
    private ECPublicKeyParameters bcCustomPublic = null!;
    private BcBigInteger r = null!;
    private BcBigInteger s = null!;

    protected EcdsaBackendBenchmarks(KeyType type)
    {
        this.type = type;
        new Random(42).NextBytes(data);
        digest = SHA256.HashData(data);
    }

    [GlobalSetup]
    public void Setup()
    {
        keypair = type == KeyType.Secp256k1 ? Secp256k1Keypair.Generate() : P256Keypair.Generate();
        signature = keypair.Sign(data);
        didKey = keypair.DidKey();
        publicKey = keypair.PublicKey;
        var privateKey = keypair.ExportPrivateKey();
        var uncompressed = publicKey.ToUncompressedArray();

        var curve = type == KeyType.Secp256k1 ? ECCurve.CreateFromFriendlyName("secP256k1") : ECCurve.NamedCurves.nistP256;
        var q = new ECPoint { X = uncompressed[1..33], Y = uncompressed[33..] };
        publicParameters = new ECParameters { Curve = curve, Q = q };
        openSsl = ECDsa.Create(new ECParameters { Curve = curve, Q = q, D = privateKey });
        openSslPublic = ECDsa.Create(publicParameters);

        var name = type == KeyType.Secp256k1 ? "secp256k1" : "secp256r1";
        (bcGenericPrivate, bcGenericPublic) = BcKeys(ECNamedCurveTable.GetByName(name), privateKey, uncompressed);
        (bcCustomPrivate, bcCustomPublic) = BcKeys(CustomNamedCurves.GetByName(name), privateKey, uncompressed);
        r = new BcBigInteger(1, signature, 0, 32);
        s = new BcBigInteger(1, signature, 32, 32);

        // Every option must accept the production signature before its timing means anything;
        // this also primes the did:key cache as steady-state firehose verification would.
        if (!Verify_OpenSsl_CachedKey() || !Verify_OpenSsl_ImportPerCall() || !Verify_BouncyCastleGenericCurve()
            || !Verify_BouncyCastleCustomCurve() || !Verify_Pds_PublicKey() || !Verify_Pds_DidKeyString()
            || !Verify_Pds_ParseDidKeyEachCall())
        {
            throw new InvalidOperationException("A verification back-end rejected a valid signature.");
        }
    }

    private static (ECPrivateKeyParameters, ECPublicKeyParameters) BcKeys(X9ECParameters x9, byte[] d, byte[] q)
    {
        var domain = new ECDomainParameters(x9);
        return (new ECPrivateKeyParameters(new BcBigInteger(1, d), domain),
            new ECPublicKeyParameters(x9.Curve.DecodePoint(q), domain));
    }

    // ---- Signing (SHA-256 of 256 bytes + ECDSA + low-S) ----

    [Benchmark(Baseline = true)]
    public byte[] Sign_OpenSsl()
    {
        var sig = openSsl.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return sig;
    }

    [Benchmark]
    public BcBigInteger[] Sign_BouncyCastleGenericCurve_Rfc6979() => BcSign(bcGenericPrivate);

    [Benchmark]
    public BcBigInteger[] Sign_BouncyCastleCustomCurve_Rfc6979() => BcSign(bcCustomPrivate);

    [Benchmark]
    public BcBigInteger[] Sign_BouncyCastleCustomCurve_RandomNonce()
    {
        var signer = new ECDsaSigner();
        signer.Init(true, bcCustomPrivate);
        return signer.GenerateSignature(SHA256.HashData(data));
    }

    [Benchmark]
    public Org.BouncyCastle.Math.EC.ECPoint FixedPointComb_BaseMultiply() =>
        new FixedPointCombMultiplier().Multiply(bcCustomPrivate.Parameters.G, bcCustomPrivate.D);

    [Benchmark]
    public byte[] Sign_Pds() => keypair.Sign(data);

    private BcBigInteger[] BcSign(ECPrivateKeyParameters key)
    {
        var signer = new ECDsaSigner(new HMacDsaKCalculator(new Sha256Digest()));
        signer.Init(true, key);
        return signer.GenerateSignature(SHA256.HashData(data));
    }

    // ---- Verification ----

    [Benchmark]
    public bool Verify_OpenSsl_CachedKey() =>
        openSslPublic.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    [Benchmark]
    public bool Verify_OpenSsl_ImportPerCall()
    {
        using var ecdsa = ECDsa.Create(publicParameters);
        return ecdsa.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    [Benchmark]
    public bool Verify_BouncyCastleGenericCurve() => BcVerify(bcGenericPublic);

    [Benchmark]
    public bool Verify_BouncyCastleCustomCurve() => BcVerify(bcCustomPublic);

    [Benchmark]
    public bool Verify_Pds_PublicKey() => SignatureVerifier.Verify(publicKey, data, signature);

    [Benchmark]
    public bool Verify_Pds_DidKeyString() => SignatureVerifier.Verify(didKey, data, signature);

    [Benchmark]
    public bool Verify_Pds_ParseDidKeyEachCall() =>
        DidKey.TryParse(didKey, out var key) && SignatureVerifier.Verify(key, data, signature);

    private bool BcVerify(ECPublicKeyParameters key)
    {
        var verifier = new ECDsaSigner();
        verifier.Init(false, key);
        return verifier.VerifySignature(digest, r, s);
    }

    // ---- Key encoding ----

    [Benchmark]
    public bool ParseDidKey() => DidKey.TryParse(didKey, out _);

    [Benchmark]
    public string FormatDidKey() => publicKey.DidKey();

    [GlobalCleanup]
    public void Dispose()
    {
        keypair?.Dispose();
        openSsl?.Dispose();
        openSslPublic?.Dispose();
        GC.SuppressFinalize(this);
    }
}
