using System.Text.Json;
using Pds.Domain.Crypto;
using Pds.Domain.Tests.Interop;

namespace Pds.Domain.Tests.Crypto;

/// <summary>Drives the official atproto crypto vectors (every file in <see cref="InteropFiles.Crypto"/>).</summary>
public sealed class CryptoVectorTests
{
    private const string SignatureFixtures = "crypto/signature-fixtures.json";
    private const string W3cK256 = "crypto/w3c_didkey_K256.json";
    private const string W3cP256 = "crypto/w3c_didkey_P256.json";

    [Fact]
    public void Manifest_CryptoFilesAreTheOnesThisClassReads()
    {
        Assert.Equal([SignatureFixtures, W3cK256, W3cP256], InteropFiles.Crypto.Order(StringComparer.Ordinal));
    }

    public static TheoryData<int> SignatureFixtureIndexes()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < LoadArray(SignatureFixtures).GetArrayLength(); i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SignatureFixtureIndexes))]
    public void Verify_SignatureFixtureWithDidKey_MatchesValidFlag(int index)
    {
        var fixture = Fixture(index);
        Assert.True(DidKey.TryParse(fixture.PublicKeyDid, out var key));
        Assert.Equal(fixture.Algorithm, key.JwtAlgorithm);

        Assert.Equal(fixture.Valid, SignatureVerifier.Verify(fixture.PublicKeyDid, fixture.Message, fixture.Signature));
        Assert.Equal(fixture.Valid, SignatureVerifier.Verify(key, fixture.Message, fixture.Signature));
    }

    [Theory]
    [MemberData(nameof(SignatureFixtureIndexes))]
    public void Verify_SignatureFixtureWithDidDocumentKey_MatchesValidFlag(int index)
    {
        var fixture = Fixture(index);
        Assert.True(PublicKey.TryParseVerificationMethod(fixture.DidDocSuite, fixture.PublicKeyMultibase, out var legacyKey));
        var fromDid = DidKey.Parse(fixture.PublicKeyDid);

        Assert.Equal(fromDid, legacyKey);
        Assert.Equal(fixture.PublicKeyDid, legacyKey.DidKey());
        Assert.Equal(fixture.Valid, SignatureVerifier.Verify(legacyKey, fixture.Message, fixture.Signature));
    }

    [Theory]
    [MemberData(nameof(SignatureFixtureIndexes))]
    public void Verify_SignatureFixtureMessageAltered_ReturnsFalse(int index)
    {
        var fixture = Fixture(index);
        var altered = (byte[])fixture.Message.Clone();
        altered[0] ^= 0x01;
        Assert.False(SignatureVerifier.Verify(fixture.PublicKeyDid, altered, fixture.Signature));
    }

    [Fact]
    public void SignatureFixtures_CoverValidHighSAndDerForBothCurves()
    {
        var fixtures = Enumerable.Range(0, LoadArray(SignatureFixtures).GetArrayLength()).Select(Fixture).ToList();
        foreach (var alg in new[] { "ES256", "ES256K" })
        {
            Assert.Contains(fixtures, f => f.Algorithm == alg && f.Valid);
            Assert.Contains(fixtures, f => f.Algorithm == alg && f.Tags.Contains("high-s") && !f.Valid);
            Assert.Contains(fixtures, f => f.Algorithm == alg && f.Tags.Contains("der-encoded") && !f.Valid);
        }
    }

    public static TheoryData<string, int> W3cIndexes()
    {
        var data = new TheoryData<string, int>();
        foreach (var file in new[] { W3cK256, W3cP256 })
        {
            for (var i = 0; i < LoadArray(file).GetArrayLength(); i++)
            {
                data.Add(file, i);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(W3cIndexes))]
    public void DidKey_W3cPrivateKey_DerivesListedDidKey(string file, int index)
    {
        var entry = LoadArray(file)[index];
        var expected = entry.GetProperty("publicDidKey").GetString()!;
        using IKeypair keypair = file == W3cK256
            ? Secp256k1Keypair.ImportHex(entry.GetProperty("privateKeyBytesHex").GetString()!)
            : P256Keypair.Import(Base58.Decode(entry.GetProperty("privateKeyBytesBase58").GetString()!));

        Assert.Equal(expected, keypair.DidKey());
        Assert.Equal(expected, DidKey.Format(keypair.Type, keypair.PublicKeyCompressed));
        Assert.Equal(expected, "did:key:" + keypair.PublicKeyMultibase());

        var parsed = DidKey.Parse(expected);
        Assert.Equal(keypair.Type, parsed.Type);
        Assert.Equal(keypair.PublicKeyCompressed, parsed.ToCompressedArray());

        var signature = keypair.Sign("w3c vector"u8);
        Assert.True(SignatureVerifier.Verify(expected, "w3c vector"u8, signature));
    }

    private static JsonElement LoadArray(string file)
    {
        using var doc = JsonDocument.Parse(InteropFiles.ReadText(file));
        return doc.RootElement.Clone();
    }

    private static SignatureFixture Fixture(int index)
    {
        var e = LoadArray(SignatureFixtures)[index];
        return new SignatureFixture(
            DecodeBase64(e.GetProperty("messageBase64").GetString()!),
            e.GetProperty("algorithm").GetString()!,
            e.GetProperty("didDocSuite").GetString()!,
            e.GetProperty("publicKeyDid").GetString()!,
            e.GetProperty("publicKeyMultibase").GetString()!,
            DecodeBase64(e.GetProperty("signatureBase64").GetString()!),
            e.GetProperty("validSignature").GetBoolean(),
            e.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToArray());
    }

    /// <summary>The fixtures use unpadded standard base64.</summary>
    private static byte[] DecodeBase64(string text) =>
        Convert.FromBase64String(text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '='));

    private sealed record SignatureFixture(
        byte[] Message,
        string Algorithm,
        string DidDocSuite,
        string PublicKeyDid,
        string PublicKeyMultibase,
        byte[] Signature,
        bool Valid,
        string[] Tags);
}
