using CsCheck;
using Pds.Domain.Crypto;

namespace Pds.Domain.Tests.Crypto;

public sealed class KeyEncodingTests
{
    // Examples from the atproto cryptography and DID specifications.
    private const string SpecP256Multikey = "zDnaembgSGUhZULN2Caob4HLJPaxBh92N7rtH21TErzqf8HQo";
    private const string SpecK256Multikey = "zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4sSpMdLJwc";
    private const string SpecLegacyK256 = "zQYEBzXeuTM9UR3rfvNag6L3RNAs5pQZyYPsomTsgQhsxLdEgCrPTLgFna8yqCnxPpNT7DBk6Ym3dgPKNu86vt9GR";
    private const string SpecLegacyK256AsMultikey = "zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF";

    [Fact]
    public void Multikey_SpecExamples_ParseWithCodecPrefix()
    {
        var p256 = Multikey.Parse(SpecP256Multikey);
        var k256 = Multikey.Parse(SpecK256Multikey);

        Assert.Equal(KeyType.P256, p256.Type);
        Assert.Equal(KeyType.Secp256k1, k256.Type);
        Assert.Equal(SpecP256Multikey, p256.PublicKeyMultibase());
        Assert.Equal("did:key:" + SpecK256Multikey, k256.DidKey());
        Assert.Equal(k256, DidKey.Parse("did:key:" + SpecK256Multikey));

        var raw = Base58.Decode(SpecK256Multikey.AsSpan(1));
        Assert.Equal([0xe7, 0x01], raw[..2]);
        Assert.Equal(35, raw.Length);
        Assert.Equal(raw[2..], k256.ToCompressedArray());
        Assert.Equal([0x80, 0x24], Base58.Decode(SpecP256Multikey.AsSpan(1))[..2]);
    }

    [Fact]
    public void LegacyMultibase_UncompressedSpecExample_MatchesMultikey()
    {
        Assert.True(PublicKey.TryParseVerificationMethod(Multikey.LegacySecp256k1Type, SpecLegacyK256, out var legacy));
        Assert.Equal(SpecLegacyK256AsMultikey, legacy.PublicKeyMultibase());
        Assert.Equal(65, Base58.Decode(SpecLegacyK256.AsSpan(1)).Length);
        Assert.Equal(SpecLegacyK256, "z" + Base58.Encode(legacy.ToUncompressedArray()));

        // The same bytes read as the wrong curve are not a point on it.
        Assert.False(PublicKey.TryParseVerificationMethod(Multikey.LegacyP256Type, SpecLegacyK256, out _));
    }

    [Fact]
    public void VerificationMethod_Multikey_ParsesPreferredForm()
    {
        Assert.True(PublicKey.TryParseVerificationMethod("Multikey", SpecLegacyK256AsMultikey, out var key));
        Assert.Equal(KeyType.Secp256k1, key.Type);
        Assert.False(PublicKey.TryParseVerificationMethod("Multikey", SpecLegacyK256, out _));
        Assert.False(PublicKey.TryParseVerificationMethod("JsonWebKey2020", SpecLegacyK256AsMultikey, out _));
        Assert.False(PublicKey.TryParseVerificationMethod(null, SpecLegacyK256AsMultikey, out _));
        Assert.False(PublicKey.TryParseVerificationMethod("Multikey", null, out _));
    }

    public static TheoryData<string?> GarbageDidKeys => new()
    {
        null,
        "",
        "did:key:",
        "did:key:z",
        "did:key:Q3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4sSpMdLJwc",
        "did:key:zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4sSpMdLJw",
        "did:key:zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4sSpMdLJwcc",
        "did:key:zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4sSpMdLJw0",
        "did:key:zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4sSpMdLJwI",
        "did:key:zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4sSpMdLJwé",
        "did:web:zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4sSpMdLJwc",
        "DID:KEY:zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4sSpMdLJwc",
        "zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4sSpMdLJwc",
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "did:key:" + new string('1', 10_000),
        "did:key:z" + new string('z', 10_000),
    };

    [Theory]
    [MemberData(nameof(GarbageDidKeys))]
    public void DidKey_Garbage_RejectedWithoutException(string? didKey)
    {
        Assert.False(DidKey.TryParse(didKey, out _));
        Assert.False(SignatureVerifier.Verify(didKey, "data"u8, new byte[64]));
        if (didKey is not null)
        {
            Assert.Throws<FormatException>(() => DidKey.Parse(didKey));
        }
    }

    [Fact]
    public void DidKey_PointNotOnCurve_Rejected()
    {
        var bytes = Base58.Decode(SpecK256Multikey.AsSpan(1));
        // x = 7 has no square root of x^3 + 7 on secp256k1 (14 is a non-residue mod p), and x = p is out of range.
        var notOnCurve = bytes.ToArray();
        notOnCurve.AsSpan(3).Clear();
        notOnCurve[^1] = 7;
        var xTooLarge = bytes.ToArray();
        xTooLarge.AsSpan(3).Fill(0xff);
        var badPrefix = bytes.ToArray();
        badPrefix[2] = 0x04;

        foreach (var candidate in new[] { notOnCurve, xTooLarge, badPrefix })
        {
            Assert.False(DidKey.TryParse("did:key:z" + Base58.Encode(candidate), out _));
        }
    }

    [Fact]
    public void DidKey_FuzzedStrings_NeverThrow()
    {
        Gen.String[Gen.Char["123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0OIl"], 0, 60]
            .Sample(s =>
            {
                var didKey = "did:key:z" + s;
                var parsed = DidKey.TryParse(didKey, out var key);
                Assert.False(SignatureVerifier.Verify(didKey, "x"u8, new byte[64]));
                return !parsed || key.DidKey() == didKey;
            });
        Gen.Byte.Array[0, 80].Sample(bytes =>
        {
            _ = PublicKey.TryParseLegacyMultibase(KeyType.Secp256k1, "z" + Base58.Encode(bytes), out _);
            _ = PublicKey.TryParseLegacyMultibase(KeyType.P256, "z" + Base58.Encode(bytes), out _);
            _ = PublicKey.TryFromSec1(KeyType.P256, bytes, out _);
            return !Multikey.TryParse("z" + Base58.Encode(bytes), out var k) || k.ToCompressedArray().AsSpan().SequenceEqual(bytes.AsSpan(2));
        });
    }

    [Fact]
    public void Verify_GarbageSignatures_NeverThrow()
    {
        var key = Multikey.Parse(SpecK256Multikey);
        var p256 = Multikey.Parse(SpecP256Multikey);
        Gen.Byte.Array[0, 80].Sample(sig =>
            !SignatureVerifier.Verify(key, "m"u8, sig) && !SignatureVerifier.Verify(p256, "m"u8, sig));
    }

    [Fact]
    public void Base58_RoundTripsArbitraryBytes()
    {
        Gen.Byte.Array[0, 100].Sample(bytes =>
        {
            var text = Base58.Encode(bytes);
            return Base58.TryDecode(text, out var back) && back.AsSpan().SequenceEqual(bytes);
        });
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("00", "1")]
    [InlineData("0000", "11")]
    [InlineData("61", "2g")]
    [InlineData("626262", "a3gV")]
    [InlineData("636363", "aPEr")]
    [InlineData("73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2")]
    [InlineData("00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L")]
    [InlineData("0000287fb4cd", "11233QC4")]
    public void Base58_KnownVectors(string hex, string text)
    {
        Assert.Equal(text, Base58.Encode(Convert.FromHexString(hex)));
        Assert.Equal(Convert.FromHexString(hex), Base58.Decode(text));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("O")]
    [InlineData("I")]
    [InlineData("l")]
    [InlineData("abc+")]
    [InlineData("ab c")]
    public void Base58_InvalidCharacters_Rejected(string text)
    {
        Assert.False(Base58.TryDecode(text, out _));
        Assert.Throws<FormatException>(() => Base58.Decode(text));
    }

    [Fact]
    public void PublicKey_EqualityAndHash_ByCurveAndPoint()
    {
        var a = DidKey.Parse("did:key:" + SpecK256Multikey);
        var b = Multikey.Parse(SpecK256Multikey);
        var c = Multikey.Parse(SpecP256Multikey);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, c);
        Assert.Equal("did:key:" + SpecK256Multikey, a.ToString());
    }

    [Fact]
    public void Format_WrongLength_Throws()
    {
        Assert.Throws<ArgumentException>(() => Multikey.Format(KeyType.Secp256k1, new byte[32]));
        Assert.Throws<ArgumentException>(() => DidKey.Format(KeyType.P256, new byte[65]));
    }
}
