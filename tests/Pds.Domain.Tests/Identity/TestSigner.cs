using System.Security.Cryptography;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;
using Pds.Domain.Identity;

namespace Pds.Domain.Tests.Identity;

/// <summary>A freshly generated secp256k1 or P-256 key that signs compact low-S signatures over SHA-256.</summary>
internal sealed class TestSigner
{
    private readonly ECPrivateKeyParameters _key;

    private TestSigner(bool p256)
    {
        var x9 = ECNamedCurveTable.GetByName(p256 ? "secp256r1" : "secp256k1");
        var domain = new ECDomainParameters(x9.Curve, x9.G, x9.N, x9.H);
        var d = new Org.BouncyCastle.Math.BigInteger(256, new SecureRandom()).Mod(domain.N.Subtract(Org.BouncyCastle.Math.BigInteger.One)).Add(Org.BouncyCastle.Math.BigInteger.One);
        _key = new ECPrivateKeyParameters(d, domain);
        var point = domain.G.Multiply(d).Normalize().GetEncoded(true);
        byte[] prefix = p256 ? [0x80, 0x24] : [0xe7, 0x01];
        DidKey = "did:key:z" + Multikey.EncodeBase58([.. prefix, .. point]);
    }

    public string DidKey { get; }

    public static TestSigner K256() => new(p256: false);

    public static TestSigner P256() => new(p256: true);

    public byte[] Sign(ReadOnlySpan<byte> data)
    {
        var signer = new ECDsaSigner(new HMacDsaKCalculator(new Sha256Digest()));
        signer.Init(true, _key);
        var rs = signer.GenerateSignature(SHA256.HashData(data));
        var n = _key.Parameters.N;
        var s = rs[1].CompareTo(n.ShiftRight(1)) > 0 ? n.Subtract(rs[1]) : rs[1];
        var output = new byte[64];
        rs[0].ToByteArrayUnsigned().CopyTo(output, 32 - rs[0].ToByteArrayUnsigned().Length);
        s.ToByteArrayUnsigned().CopyTo(output, 64 - s.ToByteArrayUnsigned().Length);
        return output;
    }

    public T SignOp<T>(T op)
        where T : PlcOperation => (T)op.WithSignature(Sign(op.UnsignedCbor.Span));
}
