using System.Numerics;
using System.Security.Cryptography;
using Pds.Domain.Crypto;

namespace Pds.Domain.Tests.Crypto;

public sealed class KeypairTests
{
    // Curve orders, written out independently of the implementation's BouncyCastle constants.
    private static readonly BigInteger Secp256k1Order =
        BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", System.Globalization.NumberStyles.HexNumber);

    private static readonly BigInteger P256Order =
        BigInteger.Parse("0FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", System.Globalization.NumberStyles.HexNumber);

    public static TheoryData<KeyType> Curves => new() { KeyType.Secp256k1, KeyType.P256 };

    private static IKeypair Generate(KeyType type) =>
        type == KeyType.Secp256k1 ? Secp256k1Keypair.Generate() : P256Keypair.Generate();

    private static IKeypair Import(KeyType type, byte[] privateKey) =>
        type == KeyType.Secp256k1 ? Secp256k1Keypair.Import(privateKey) : P256Keypair.Import(privateKey);

    private static BigInteger Order(KeyType type) => type == KeyType.Secp256k1 ? Secp256k1Order : P256Order;

    private static BigInteger ToInteger(ReadOnlySpan<byte> bigEndian) => new(bigEndian, isUnsigned: true, isBigEndian: true);

    private static byte[] ToFixed32(BigInteger value)
    {
        var bytes = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        var result = new byte[32];
        bytes.CopyTo(result, 32 - bytes.Length);
        return result;
    }

    [Theory]
    [MemberData(nameof(Curves))]
    public void Sign_ThenVerify_RoundTrips(KeyType type)
    {
        using var keypair = Generate(type);
        var data = "hello atproto"u8.ToArray();

        var signature = keypair.Sign(data);

        Assert.Equal(64, signature.Length);
        Assert.Equal(type, keypair.Type);
        Assert.Equal(type == KeyType.Secp256k1 ? "ES256K" : "ES256", keypair.JwtAlgorithm);
        Assert.True(SignatureVerifier.Verify(keypair.DidKey(), data, signature));
        Assert.True(SignatureVerifier.Verify(keypair.PublicKey, data, signature));
        Assert.True(SignatureVerifier.VerifyDigest(keypair.PublicKey, SHA256.HashData(data), signature));
        Assert.True(SignatureVerifier.Verify(Multikey.Parse(keypair.PublicKeyMultibase()), data, signature));
    }

    [Theory]
    [MemberData(nameof(Curves))]
    public void TrySign_ShortDestination_ReturnsFalse(KeyType type)
    {
        using var keypair = Generate(type);
        Assert.False(keypair.TrySign("x"u8, new byte[63]));

        var destination = new byte[70];
        Assert.True(keypair.TrySign("x"u8, destination));
        Assert.True(SignatureVerifier.Verify(keypair.PublicKey, "x"u8, destination.AsSpan(0, 64)));
    }

    [Theory]
    [MemberData(nameof(Curves))]
    public void Sign_ManyMessages_AlwaysLowS(KeyType type)
    {
        using var keypair = Generate(type);
        var halfOrder = Order(type) >> 1;
        var message = new byte[16];
        for (var i = 0; i < 300; i++)
        {
            BitConverter.TryWriteBytes(message, i);
            var signature = keypair.Sign(message);
            var s = ToInteger(signature.AsSpan(32));
            Assert.True(s > 0 && s <= halfOrder, $"signature {i} has high S");
            Assert.True(SignatureVerifier.Verify(keypair.PublicKey, message, signature));
        }
    }

    [Theory]
    [MemberData(nameof(Curves))]
    public void Verify_HighSVariantOfValidSignature_ReturnsFalse(KeyType type)
    {
        using var keypair = Generate(type);
        var data = "malleability"u8.ToArray();
        var signature = keypair.Sign(data);
        var s = ToInteger(signature.AsSpan(32));
        var highS = (byte[])signature.Clone();
        ToFixed32(Order(type) - s).CopyTo(highS, 32);

        // The mirrored signature is mathematically valid ECDSA (the platform accepts it) but not atproto-valid.
        using var platform = ECDsa.Create(new ECParameters
        {
            Curve = type == KeyType.Secp256k1 ? ECCurve.CreateFromFriendlyName("secP256k1") : ECCurve.NamedCurves.nistP256,
            Q = PlatformPoint(keypair.PublicKey),
        });
        Assert.True(platform.VerifyData(data, highS, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        Assert.True(SignatureVerifier.Verify(keypair.PublicKey, data, signature));
        Assert.False(SignatureVerifier.Verify(keypair.PublicKey, data, highS));
        Assert.False(SignatureVerifier.Verify(keypair.DidKey(), data, highS));
    }

    [Theory]
    [MemberData(nameof(Curves))]
    public void Verify_DerEncodingOfValidSignature_ReturnsFalse(KeyType type)
    {
        using var keypair = Generate(type);
        var data = "der"u8.ToArray();
        var compact = keypair.Sign(data);
        var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            // DER integers carry no leading zero bytes (r or s starts with one about once in 256).
            writer.WriteIntegerUnsigned(compact.AsSpan(0, 32).TrimStart((byte)0));
            writer.WriteIntegerUnsigned(compact.AsSpan(32).TrimStart((byte)0));
        }

        var der = writer.Encode();
        Assert.False(SignatureVerifier.Verify(keypair.PublicKey, data, der));
        Assert.False(SignatureVerifier.Verify(keypair.PublicKey, data, der.AsSpan(0, Math.Min(64, der.Length))));
    }

    [Theory]
    [MemberData(nameof(Curves))]
    public void Verify_WrongKeyOrData_ReturnsFalse(KeyType type)
    {
        using var signer = Generate(type);
        using var other = Generate(type);
        var data = "payload"u8.ToArray();
        var signature = signer.Sign(data);

        Assert.False(SignatureVerifier.Verify(other.PublicKey, data, signature));
        Assert.False(SignatureVerifier.Verify(other.DidKey(), data, signature));
        Assert.False(SignatureVerifier.Verify(signer.PublicKey, "payloaD"u8, signature));

        var flipped = (byte[])signature.Clone();
        flipped[5] ^= 0x40;
        Assert.False(SignatureVerifier.Verify(signer.PublicKey, data, flipped));
    }

    [Fact]
    public void Verify_KeyOfOtherCurveWithSameBytes_ReturnsFalse()
    {
        using var k256 = Secp256k1Keypair.Generate();
        var signature = k256.Sign("cross"u8);
        // Reinterpreting the point on P-256 either fails (not on the curve) or yields a different key.
        if (PublicKey.TryFromSec1(KeyType.P256, k256.PublicKeyCompressed, out var asP256))
        {
            Assert.False(SignatureVerifier.Verify(asP256, "cross"u8, signature));
        }
    }

    [Theory]
    [MemberData(nameof(Curves))]
    public void Verify_OutOfRangeComponents_ReturnsFalse(KeyType type)
    {
        using var keypair = Generate(type);
        var data = "range"u8.ToArray();
        var valid = keypair.Sign(data);

        var zeroR = (byte[])valid.Clone();
        Array.Clear(zeroR, 0, 32);
        var zeroS = (byte[])valid.Clone();
        Array.Clear(zeroS, 32, 32);
        var rIsOrder = (byte[])valid.Clone();
        ToFixed32(Order(type)).CopyTo(rIsOrder, 0);
        var allOnes = Enumerable.Repeat((byte)0xff, 64).ToArray();

        Assert.False(SignatureVerifier.Verify(keypair.PublicKey, data, zeroR));
        Assert.False(SignatureVerifier.Verify(keypair.PublicKey, data, zeroS));
        Assert.False(SignatureVerifier.Verify(keypair.PublicKey, data, rIsOrder));
        Assert.False(SignatureVerifier.Verify(keypair.PublicKey, data, allOnes));
        Assert.False(SignatureVerifier.Verify(keypair.PublicKey, data, []));
        Assert.False(SignatureVerifier.Verify(keypair.PublicKey, data, valid.AsSpan(0, 63)));
        Assert.False(SignatureVerifier.Verify(keypair.PublicKey, data, [.. valid, 0]));
        Assert.False(SignatureVerifier.Verify((PublicKey?)null, data, valid));
        Assert.False(SignatureVerifier.VerifyDigest(keypair.PublicKey, new byte[31], valid));
    }

    [Theory]
    [MemberData(nameof(Curves))]
    public void Sign_VerifiedByPlatformEcdsa_Interoperates(KeyType type)
    {
        // The platform (OpenSSL) is an independent ECDSA implementation for both curves.
        using var keypair = Generate(type);
        using var platform = ECDsa.Create(new ECParameters
        {
            Curve = type == KeyType.Secp256k1 ? ECCurve.CreateFromFriendlyName("secP256k1") : ECCurve.NamedCurves.nistP256,
            Q = PlatformPoint(keypair.PublicKey),
        });
        for (var i = 0; i < 10; i++)
        {
            var data = RandomNumberGenerator.GetBytes(100);
            var signature = keypair.Sign(data);
            Assert.True(platform.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        }
    }

    [Theory]
    [MemberData(nameof(Curves))]
    public void Verify_PlatformSignatureNormalizedToLowS_ReturnsTrue(KeyType type)
    {
        using var keypair = Generate(type);
        var privateKey = keypair.ExportPrivateKey();
        using var platform = ECDsa.Create(new ECParameters
        {
            Curve = type == KeyType.Secp256k1 ? ECCurve.CreateFromFriendlyName("secP256k1") : ECCurve.NamedCurves.nistP256,
            D = privateKey,
            Q = PlatformPoint(keypair.PublicKey),
        });
        var halfOrder = Order(type) >> 1;
        for (var i = 0; i < 10; i++)
        {
            var data = RandomNumberGenerator.GetBytes(50);
            var signature = platform.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            var s = ToInteger(signature.AsSpan(32));
            if (s > halfOrder)
            {
                Assert.False(SignatureVerifier.Verify(keypair.PublicKey, data, signature));
                ToFixed32(Order(type) - s).CopyTo(signature, 32);
            }

            Assert.True(SignatureVerifier.Verify(keypair.PublicKey, data, signature));
        }
    }

    [Fact]
    public void Sign_Secp256k1_IsDeterministic()
    {
        using var keypair = Secp256k1Keypair.Generate();
        Assert.Equal(keypair.Sign("same"u8), keypair.Sign("same"u8));
        Assert.NotEqual(keypair.Sign("same"u8), keypair.Sign("other"u8));
    }

    [Theory]
    [MemberData(nameof(Curves))]
    public void ExportPrivateKey_ImportRoundTrip_SameKeyAndDidKey(KeyType type)
    {
        using var original = Generate(type);
        var exported = original.ExportPrivateKey();
        Assert.Equal(32, exported.Length);

        using var imported = Import(type, exported);
        Assert.Equal(exported, imported.ExportPrivateKey());
        Assert.Equal(original.DidKey(), imported.DidKey());
        Assert.Equal(original.PublicKeyCompressed, imported.PublicKeyCompressed);
        Assert.Equal(33, imported.PublicKeyCompressed.Length);
        Assert.True(SignatureVerifier.Verify(original.PublicKey, "x"u8, imported.Sign("x"u8)));

        var hex = Convert.ToHexStringLower(exported);
        using IKeypair fromHex = type == KeyType.Secp256k1 ? Secp256k1Keypair.ImportHex(hex) : P256Keypair.ImportHex(hex);
        Assert.Equal(original.DidKey(), fromHex.DidKey());
    }

    [Theory]
    [MemberData(nameof(Curves))]
    public void ExportPrivateKey_SmallScalars_StayThirtyTwoBytes(KeyType type)
    {
        byte[][] keys = [ToFixed32(1), ToFixed32(BigInteger.Parse("123456789")), ToFixed32(Order(type) - 1)];
        foreach (var key in keys)
        {
            using var keypair = Import(type, key);
            Assert.Equal(key, keypair.ExportPrivateKey());
            Assert.True(SignatureVerifier.Verify(keypair.DidKey(), "edge"u8, keypair.Sign("edge"u8)));
        }
    }

    [Theory]
    [MemberData(nameof(Curves))]
    public async Task SignAndVerify_Concurrently_AllSucceed(KeyType type)
    {
        using var keypair = Generate(type);
        var key = DidKey.Parse(keypair.DidKey());
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 25; i++)
            {
                var data = BitConverter.GetBytes((t * 1000) + i);
                if (!SignatureVerifier.Verify(key, data, keypair.Sign(data)))
                {
                    return false;
                }
            }

            return true;
        })));
        Assert.All(results, Assert.True);
    }

    [Theory]
    [MemberData(nameof(Curves))]
    public void Import_InvalidScalar_ThrowsWithoutEchoingKey(KeyType type)
    {
        var order = ToFixed32(Order(type));
        var aboveOrder = ToFixed32(Order(type) + 5);
        byte[][] invalid = [new byte[32], order, aboveOrder, new byte[31], new byte[33]];
        foreach (var key in invalid)
        {
            var ex = Assert.Throws<ArgumentException>(() => Import(type, key));
            Assert.DoesNotContain(Convert.ToHexString(key), ex.Message, StringComparison.OrdinalIgnoreCase);
        }

        const string notHex = "zz85d2bef69286a6cbb51623c8fa258629945cd55ca705cc4e66700396894e0c";
        var hexEx = Assert.Throws<ArgumentException>(() =>
            type == KeyType.Secp256k1 ? Secp256k1Keypair.ImportHex(notHex) : P256Keypair.ImportHex(notHex));
        Assert.DoesNotContain("85d2bef6", hexEx.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Curves))]
    public void ToString_NeverContainsPrivateKey(KeyType type)
    {
        using var keypair = Generate(type);
        var hex = Convert.ToHexString(keypair.ExportPrivateKey());
        var text = keypair.ToString()!;
        Assert.Contains(keypair.DidKey(), text, StringComparison.Ordinal);
        Assert.DoesNotContain(hex, text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Base58.Encode(keypair.ExportPrivateKey()), text, StringComparison.Ordinal);
    }

    [Fact]
    public void Dispose_Secp256k1_RefusesFurtherUse()
    {
        var keypair = Secp256k1Keypair.Generate();
        keypair.Dispose();
        Assert.Throws<ObjectDisposedException>(() => keypair.Sign("x"u8));
        Assert.Throws<ObjectDisposedException>(() => keypair.ExportPrivateKey());
    }

    private static ECPoint PlatformPoint(PublicKey key)
    {
        var uncompressed = key.ToUncompressedArray();
        return new ECPoint { X = uncompressed[1..33], Y = uncompressed[33..] };
    }
}
