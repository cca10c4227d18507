using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.EC;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Pds.Domain.Crypto;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;

namespace Pds.Domain.Tests.Crypto;

/// <summary>secp256k1 signatures are RFC 6979 deterministic, then normalised to low-S.</summary>
public sealed class Secp256k1DeterministicSignatureTests
{
    [Fact]
    public void Sign_Secp256k1_EqualsBouncyCastleDeterministicSignatureNormalizedToLowS()
    {
        var domain = new ECDomainParameters(CustomNamedCurves.GetByName("secp256k1"));
        var halfN = domain.N.ShiftRight(1);
        for (var i = 0; i < 50; i++)
        {
            using var keypair = Secp256k1Keypair.Generate();
            var data = RandomNumberGenerator.GetBytes(40);
            var signer = new ECDsaSigner(new HMacDsaKCalculator(new Sha256Digest()));
            signer.Init(true, new ECPrivateKeyParameters(new BcBigInteger(1, keypair.ExportPrivateKey()), domain));
            var rs = signer.GenerateSignature(SHA256.HashData(data));
            var s = rs[1].CompareTo(halfN) > 0 ? domain.N.Subtract(rs[1]) : rs[1];

            var signature = keypair.Sign(data);
            Assert.Equal(rs[0], new BcBigInteger(1, signature, 0, 32));
            Assert.Equal(s, new BcBigInteger(1, signature, 32, 32));
        }
    }

    [Fact]
    public void Sign_Rfc6979Secp256k1KnownVector_MatchesPublishedSignature()
    {
        // Widely used secp256k1 RFC 6979 vector: private key 1, message "Satoshi Nakamoto".
        var key = new byte[32];
        key[31] = 1;
        using var keypair = Secp256k1Keypair.Import(key);
        var signature = keypair.Sign("Satoshi Nakamoto"u8);
        Assert.Equal(
            "934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d8"
            + "2442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5",
            Convert.ToHexStringLower(signature));
    }
}
