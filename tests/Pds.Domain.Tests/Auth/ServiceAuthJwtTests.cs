using System.Formats.Asn1;
using System.Text;
using Pds.Domain.Auth;
using Pds.Domain.Crypto;

namespace Pds.Domain.Tests.Auth;

public sealed class ServiceAuthJwtTests
{
    private const string Issuer = "did:plc:ewvi7nxzyoun6zhxrhs64oiz";
    private const string Audience = "did:web:api.example.com#bsky_appview";
    private const string Method = "app.bsky.feed.getTimeline";
    private const long T0 = 1700000000;

    // Signed by the jose library with Node's ECDSA (iat 1700000000, exp +60 s), keys given as private scalars.
    private const string JoseK256Key = "da81acf5a2fbcda0c6afd929fd8de0b8ac5a129b745bcb9e7aadaaab023f27d5";
    private const string JoseK256Token =
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NksifQ.eyJpYXQiOjE3MDAwMDAwMDAsImlzcyI6ImRpZDpwbGM6ZXd2aTdueHp5b3VuNnpoeHJoczY0b2l6IiwiYXVkIjoiZGlkOndlYjphcGkuZXhhbXBsZS5jb20jYnNreV9hcHB2aWV3IiwiZXhwIjoxNzAwMDAwMDYwLCJseG0iOiJhcHAuYnNreS5mZWVkLmdldFRpbWVsaW5lIiwianRpIjoiODYyODE4MWQ1MGE5NmM0NzNhZmRhMTRjY2Q1MDRjYzMifQ.HoGot6iioCNSERSgoXnBpFPjinvAEXDRa7tCInhRghlW3WNCOUvczckTTSqtiGC1vOUlgvUOE4G1KbsTZ0fiAQ";

    private const string JoseP256Key = "5c8f7e5828292aca3fbed1b7218bb85acc39cef3fb199e57584f1e7871b4d64d";
    private const string JoseP256Token =
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.eyJpYXQiOjE3MDAwMDAwMDAsImlzcyI6ImRpZDpwbGM6ZXd2aTdueHp5b3VuNnpoeHJoczY0b2l6IiwiYXVkIjoiZGlkOndlYjphcGkuZXhhbXBsZS5jb20jYnNreV9hcHB2aWV3IiwiZXhwIjoxNzAwMDAwMDYwLCJseG0iOiJhcHAuYnNreS5mZWVkLmdldFRpbWVsaW5lIiwianRpIjoiMmM2NWVmMWE3ZGQ4YTFjNDFjMzIxMGEwMTI4MDlkZDEifQ.VxQWqYYNsrWENOorzcFrJD5rEyL2WDvobtBJoigcz5Y09NyS1k1IjmopQWvVfLLARWYIQtDjoKE35uEtUvOGyw";

    private static readonly ServiceJwtExpectations Expect = new([Audience], Method);

    private static IKeypair NewKey(KeyType type) =>
        type == KeyType.Secp256k1 ? Secp256k1Keypair.Generate() : P256Keypair.Generate();

    private static FixedTimeProvider Clock(long unixSeconds) => new(unixSeconds);

    private static string Create(IKeypair key, string? lxm = Method, DateTimeOffset? exp = null, string issuer = Issuer) =>
        ServiceAuthJwt.Create(key, issuer, Audience, lxm, exp, Clock(T0));

    [Theory]
    [InlineData(KeyType.Secp256k1, "ES256K")]
    [InlineData(KeyType.P256, "ES256")]
    public void Verify_RoundTrip_ReturnsClaims(KeyType type, string alg)
    {
        using var key = NewKey(type);
        var token = Create(key);

        var result = ServiceAuthJwt.Verify(token, key.DidKey(), Expect, Clock(T0 + 10));

        Assert.True(result.IsValid, result.Failure.ToString());
        var claims = result.Claims!;
        Assert.Equal(Issuer, claims.Issuer);
        Assert.Equal(Issuer, claims.IssuerDid.ToString());
        Assert.Null(claims.IssuerServiceId);
        Assert.Equal(Audience, claims.Audience);
        Assert.Equal(Method, claims.LexiconMethod);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(T0 + 60), claims.ExpiresAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(T0), claims.IssuedAt);
        Assert.Matches("^[0-9a-f]{32}$", claims.TokenId);
        Assert.Equal("atproto", claims.SigningKeyId);
        Assert.Equal($$"""{"typ":"JWT","alg":"{{alg}}"}""", JwtCraft.HeaderJson(token));
        Assert.Equal(64, JwtCraft.Unb64(token.Split('.')[2]).Length);
    }

    [Fact]
    public void Create_TwoTokens_HaveDistinctNonces()
    {
        using var key = NewKey(KeyType.Secp256k1);

        var a = ServiceAuthJwt.Verify(Create(key), key.PublicKey, Expect, Clock(T0)).Claims!;
        var b = ServiceAuthJwt.Verify(Create(key), key.PublicKey, Expect, Clock(T0)).Claims!;

        Assert.NotEqual(a.TokenId, b.TokenId);
    }

    [Theory]
    [InlineData(JoseK256Key, JoseK256Token, KeyType.Secp256k1)]
    [InlineData(JoseP256Key, JoseP256Token, KeyType.P256)]
    public void Verify_TokenFromReferenceLibrary_Accepted(string privateKeyHex, string token, KeyType type)
    {
        using IKeypair key = type == KeyType.Secp256k1 ? Secp256k1Keypair.ImportHex(privateKeyHex) : P256Keypair.ImportHex(privateKeyHex);

        var result = ServiceAuthJwt.Verify(token, key.DidKey(), Expect, Clock(T0 + 30));

        Assert.True(result.IsValid, result.Failure.ToString());
        Assert.Equal(Method, result.Claims!.LexiconMethod);
    }

    [Fact]
    public void Verify_NoMethodExpected_AcceptsAnyOrNoLxm()
    {
        using var key = NewKey(KeyType.P256);
        var anyMethod = new ServiceJwtExpectations([Audience], null);

        Assert.True(ServiceAuthJwt.Verify(Create(key, lxm: null), key.PublicKey, anyMethod, Clock(T0)).IsValid);
        Assert.True(ServiceAuthJwt.Verify(Create(key, lxm: "com.atproto.repo.uploadBlob"), key.PublicKey, anyMethod, Clock(T0)).IsValid);
    }

    [Theory]
    [InlineData("app.bsky.feed.getAuthorFeed")]
    [InlineData(null)]
    public void Verify_LxmMismatchOrMissing_ReportsBadLexiconMethod(string? lxm)
    {
        using var key = NewKey(KeyType.Secp256k1);

        Assert.Equal(JwtFailure.BadLexiconMethod, ServiceAuthJwt.Verify(Create(key, lxm), key.PublicKey, Expect, Clock(T0)).Failure);
    }

    [Fact]
    public void Verify_Expired_ReportsExpired()
    {
        using var key = NewKey(KeyType.Secp256k1);
        var token = Create(key);

        Assert.True(ServiceAuthJwt.Verify(token, key.PublicKey, Expect, Clock(T0 + 60 + 29)).IsValid);
        Assert.Equal(JwtFailure.Expired, ServiceAuthJwt.Verify(token, key.PublicKey, Expect, Clock(T0 + 60 + 30)).Failure);
        Assert.Equal(JwtFailure.Expired,
            ServiceAuthJwt.Verify(token, key.PublicKey, Expect with { ClockSkew = TimeSpan.Zero }, Clock(T0 + 60)).Failure);
    }

    [Fact]
    public void Verify_IssuedInFuture_ReportsNotYetValid()
    {
        using var key = NewKey(KeyType.Secp256k1);
        var token = Create(key);

        Assert.Equal(JwtFailure.NotYetValid, ServiceAuthJwt.Verify(token, key.PublicKey, Expect, Clock(T0 - 120)).Failure);
    }

    [Theory]
    [InlineData("did:web:api.example.com")]
    [InlineData("did:web:api.example.com#atproto_labeler")]
    [InlineData("did:web:evil.example.com#bsky_appview")]
    public void Verify_WrongAudience_ReportsBadAudience(string expectedAudience)
    {
        using var key = NewKey(KeyType.P256);

        var result = ServiceAuthJwt.Verify(Create(key), key.PublicKey, new ServiceJwtExpectations([expectedAudience], Method), Clock(T0));

        Assert.Equal(JwtFailure.BadAudience, result.Failure);
    }

    [Fact]
    public void Verify_AudienceCheckSkipped_Accepted()
    {
        using var key = NewKey(KeyType.P256);

        Assert.True(ServiceAuthJwt.Verify(Create(key), key.PublicKey, new ServiceJwtExpectations(null, Method), Clock(T0)).IsValid);
    }

    [Theory]
    [InlineData(KeyType.Secp256k1)]
    [InlineData(KeyType.P256)]
    public void Verify_HighSVariantOfValidSignature_ReportsBadSignature(KeyType type)
    {
        using var key = NewKey(type);
        var parts = Create(key).Split('.');
        var signature = JwtCraft.Unb64(parts[2]);
        var n = EcCurve.For(type).Domain.N;
        var highS = n.Subtract(EcCurve.ToBigInteger(signature.AsSpan(32)));
        EcCurve.WriteFixed(highS, signature.AsSpan(32));
        var malleated = $"{parts[0]}.{parts[1]}.{JwtCraft.B64(signature)}";

        Assert.Equal(JwtFailure.BadSignature, ServiceAuthJwt.Verify(malleated, key.PublicKey, Expect, Clock(T0)).Failure);
    }

    [Theory]
    [InlineData(KeyType.Secp256k1)]
    [InlineData(KeyType.P256)]
    public void Verify_DerEncodedSignature_ReportsBadSignature(KeyType type)
    {
        using var key = NewKey(type);
        var parts = Create(key).Split('.');
        var signature = JwtCraft.Unb64(parts[2]);
        var der = new AsnWriter(AsnEncodingRules.DER);
        using (der.PushSequence())
        {
            // DER integers are minimal: a half with leading zero bytes (about 1 in 128 signatures) drops them.
            der.WriteIntegerUnsigned(signature.AsSpan(0, 32).TrimStart((byte)0));
            der.WriteIntegerUnsigned(signature.AsSpan(32).TrimStart((byte)0));
        }

        var derToken = $"{parts[0]}.{parts[1]}.{JwtCraft.B64(der.Encode())}";

        Assert.Equal(JwtFailure.BadSignature, ServiceAuthJwt.Verify(derToken, key.PublicKey, Expect, Clock(T0)).Failure);
    }

    [Fact]
    public void Verify_OtherAccountsKey_ReportsBadSignature()
    {
        using var key = NewKey(KeyType.Secp256k1);
        using var other = NewKey(KeyType.Secp256k1);

        Assert.Equal(JwtFailure.BadSignature, ServiceAuthJwt.Verify(Create(key), other.DidKey(), Expect, Clock(T0)).Failure);
    }

    [Fact]
    public void Verify_AlteredPayload_ReportsBadSignature()
    {
        using var key = NewKey(KeyType.P256);
        var parts = Create(key).Split('.');
        var payload = JwtCraft.PayloadJson(Create(key)).Replace(Method, "com.atproto.admin.deleteAccount", StringComparison.Ordinal);
        var forged = $"{parts[0]}.{JwtCraft.B64(payload)}.{parts[2]}";

        Assert.Equal(JwtFailure.BadSignature,
            ServiceAuthJwt.Verify(forged, key.PublicKey, Expect with { LexiconMethod = "com.atproto.admin.deleteAccount" }, Clock(T0)).Failure);
    }

    [Fact]
    public void Verify_AlgOfOtherCurve_ReportsBadAlgorithm()
    {
        using var key = NewKey(KeyType.Secp256k1);
        var payload = JwtCraft.PayloadJson(Create(key));
        var token = JwtCraft.Token("""{"typ":"JWT","alg":"ES256"}""", payload, input => key.Sign(input));

        Assert.Equal(JwtFailure.BadAlgorithm, ServiceAuthJwt.Verify(token, key.PublicKey, Expect, Clock(T0)).Failure);
    }

    [Theory]
    [InlineData("HS256")]
    [InlineData("none")]
    [InlineData("RS256")]
    public void Verify_NonEcdsaAlg_ReportsBadAlgorithm(string alg)
    {
        using var key = NewKey(KeyType.Secp256k1);
        var payload = JwtCraft.PayloadJson(Create(key));
        var token = JwtCraft.Token($$"""{"typ":"JWT","alg":"{{alg}}"}""", payload, input => key.Sign(input));

        Assert.Equal(JwtFailure.BadAlgorithm, ServiceAuthJwt.Verify(token, key.PublicKey, Expect, Clock(T0)).Failure);
    }

    [Theory]
    [InlineData("at+jwt")]
    [InlineData("refresh+jwt")]
    [InlineData("dpop+jwt")]
    [InlineData("application/at+jwt")]
    public void Verify_SessionOrDpopTyp_ReportsBadType(string typ)
    {
        using var key = NewKey(KeyType.Secp256k1);
        var payload = JwtCraft.PayloadJson(Create(key));
        var token = JwtCraft.Token($$"""{"typ":"{{typ}}","alg":"ES256K"}""", payload, input => key.Sign(input));

        Assert.Equal(JwtFailure.BadType, ServiceAuthJwt.Verify(token, key.PublicKey, Expect, Clock(T0)).Failure);
    }

    [Fact]
    public void Verify_NoTyp_Accepted()
    {
        using var key = NewKey(KeyType.Secp256k1);
        var payload = JwtCraft.PayloadJson(Create(key));
        var token = JwtCraft.Token("""{"alg":"ES256K"}""", payload, input => key.Sign(input));

        Assert.True(ServiceAuthJwt.Verify(token, key.PublicKey, Expect, Clock(T0)).IsValid);
    }

    [Theory]
    [InlineData("handle.example.com")]
    [InlineData("did:plc:ewvi7nxzyoun6zhxrhs64oiz#")]
    [InlineData("did:plc:ewvi7nxzyoun6zhxrhs64oiz#a#b")]
    public void TryDecode_IssuerNotDid_ReportsBadSubject(string issuer)
    {
        using var key = NewKey(KeyType.Secp256k1);
        var payload = JwtCraft.PayloadJson(Create(key)).Replace(Issuer, issuer, StringComparison.Ordinal);
        var token = JwtCraft.Token("""{"typ":"JWT","alg":"ES256K"}""", payload, input => key.Sign(input));

        Assert.False(ServiceAuthJwt.TryDecode(token, out _, out var failure));
        Assert.Equal(JwtFailure.BadSubject, failure);
    }

    [Fact]
    public void TryDecode_LabelerIssuer_PointsAtLabelKey()
    {
        using var key = NewKey(KeyType.Secp256k1);
        var token = Create(key, issuer: Issuer + "#atproto_labeler");

        Assert.True(ServiceAuthJwt.TryDecode(token, out var decoded, out _));
        Assert.Equal("atproto_labeler", decoded.Claims.IssuerServiceId);
        Assert.Equal(Issuer, decoded.Claims.IssuerDid.ToString());
        Assert.Equal("atproto_label", decoded.Claims.SigningKeyId);
        Assert.True(ServiceAuthJwt.Verify(decoded, key.PublicKey, Expect, Clock(T0)).IsValid);
    }

    [Fact]
    public void TryDecode_KidHeader_SelectsVerificationMethod()
    {
        using var key = NewKey(KeyType.Secp256k1);
        var payload = JwtCraft.PayloadJson(Create(key));
        var token = JwtCraft.Token("""{"typ":"JWT","alg":"ES256K","kid":"#atproto_label"}""", payload, input => key.Sign(input));

        Assert.True(ServiceAuthJwt.TryDecode(token, out var decoded, out _));
        Assert.Equal("atproto_label", decoded.Claims.SigningKeyId);
    }

    [Theory]
    [InlineData("""{"iss":"did:plc:ewvi7nxzyoun6zhxrhs64oiz","aud":"did:web:x"}""", JwtFailure.MissingClaim)]
    [InlineData("""{"iss":"did:plc:ewvi7nxzyoun6zhxrhs64oiz","exp":1700000060}""", JwtFailure.Malformed)]
    [InlineData("""{"iss":"did:plc:ewvi7nxzyoun6zhxrhs64oiz","aud":"did:web:x","exp":1700000060,"lxm":5}""", JwtFailure.Malformed)]
    public void TryDecode_MissingOrMistypedClaims_Rejected(string payload, JwtFailure expected)
    {
        using var key = NewKey(KeyType.Secp256k1);
        var token = JwtCraft.Token("""{"typ":"JWT","alg":"ES256K"}""", payload, input => key.Sign(input));

        Assert.False(ServiceAuthJwt.TryDecode(token, out _, out var failure));
        Assert.Equal(expected, failure);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a.b")]
    [InlineData("a.b.c.d")]
    [InlineData("eyJhbGciOiJFUzI1NksifQ.e30.AAAA")]
    public void Verify_Garbage_ReportsFailureWithoutThrowing(string token)
    {
        using var key = NewKey(KeyType.Secp256k1);

        Assert.False(ServiceAuthJwt.Verify(token, key.PublicKey, Expect, Clock(T0)).IsValid);
        Assert.False(ServiceAuthJwt.Verify(token, "did:key:zNotAKey", Expect, Clock(T0)).IsValid);
    }

    [Fact]
    public void Verify_UnparsableDidKey_ReportsBadSignature()
    {
        using var key = NewKey(KeyType.Secp256k1);

        Assert.Equal(JwtFailure.BadSignature, ServiceAuthJwt.Verify(Create(key), "did:key:zNotAKey", Expect, Clock(T0)).Failure);
    }

    [Fact]
    public void Create_ExpiryBeyondOneHourOrInPast_Throws()
    {
        using var key = NewKey(KeyType.Secp256k1);
        var now = DateTimeOffset.FromUnixTimeSeconds(T0);

        Assert.NotNull(Create(key, exp: now.AddMinutes(60)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Create(key, exp: now.AddMinutes(60).AddSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Create(key, exp: now));
        Assert.Throws<ArgumentOutOfRangeException>(() => Create(key, exp: now.AddSeconds(-5)));
    }

    [Fact]
    public void Create_InvalidIssuerOrMethod_Throws()
    {
        using var key = NewKey(KeyType.Secp256k1);

        Assert.Throws<ArgumentException>(() => Create(key, issuer: "alice.example.com"));
        Assert.Throws<ArgumentException>(() => Create(key, lxm: "not an nsid"));
    }

    [Fact]
    public void Create_PayloadClaimOrder_MatchesReference()
    {
        using var key = NewKey(KeyType.P256);

        var json = JwtCraft.PayloadJson(Create(key));

        Assert.StartsWith(
            $$"""{"iat":{{T0}},"iss":"{{Issuer}}","aud":"{{Audience}}","exp":{{T0 + 60}},"lxm":"{{Method}}","jti":""",
            json,
            StringComparison.Ordinal);
        Assert.Equal(Encoding.UTF8.GetByteCount(json), Encoding.ASCII.GetByteCount(json));
    }
}
