using System.Security.Cryptography;
using System.Text;
using CsCheck;
using Pds.Domain.Auth;
using Pds.Domain.Syntax;

namespace Pds.Domain.Tests.Auth;

public sealed class SessionTokensTests
{
    private const string Secret = "reference-jwt-secret-0123456789";
    private const string ServiceDid = "did:web:pds.example.com";
    private const long T0 = 1700000000;
    private static readonly Did Alice = Did.Parse("did:plc:ewvi7nxzyoun6zhxrhs64oiz");

    // Produced by the jose library the reference PDS uses (SignJWT with the same header, claims and
    // key), with iat = 1700000000 and the standard lifetimes.
    private const string JoseAccessToken =
        "eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJIUzI1NiJ9.eyJzY29wZSI6ImNvbS5hdHByb3RvLmFwcFBhc3MiLCJhdWQiOiJkaWQ6d2ViOnBkcy5leGFtcGxlLmNvbSIsInN1YiI6ImRpZDpwbGM6ZXd2aTdueHp5b3VuNnpoeHJoczY0b2l6IiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwMDcyMDB9.qXSuRtMFB2iPVCKt_xuYoq7AaayrIoXoyne-uCKq0yY";

    private const string JoseRefreshToken =
        "eyJ0eXAiOiJyZWZyZXNoK2p3dCIsImFsZyI6IkhTMjU2In0.eyJzY29wZSI6ImNvbS5hdHByb3RvLnJlZnJlc2giLCJhdWQiOiJkaWQ6d2ViOnBkcy5leGFtcGxlLmNvbSIsInN1YiI6ImRpZDpwbGM6ZXd2aTdueHp5b3VuNnpoeHJoczY0b2l6IiwianRpIjoicTF3MmUzK3I0dDUveTZ1N2k4bzlwMEFiQ2RFZkdoSWpLbE1uT3BRclN0VT0iLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwNzc3NjAwMH0.JeHrUrztxAdse2SQiByy0Pc6VJFYXCan07NLPHDyoYw";

    private const string JoseRefreshJti = "q1w2e3+r4t5/y6u7i8o9p0AbCdEfGhIjKlMnOpQrStU=";

    private static SessionTokens At(long unixSeconds, string serviceDid = ServiceDid, string secret = Secret) =>
        new(secret, serviceDid, new FixedTimeProvider(unixSeconds));

    private static string Hs256(string header, string payload, string secret = Secret) =>
        JwtCraft.Token(header, payload, input => HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), input));

    private const string AccessHeader = """{"typ":"at+jwt","alg":"HS256"}""";

    private static string AccessPayload(string extra = "") =>
        $$"""{"scope":"com.atproto.access","aud":"{{ServiceDid}}","sub":"{{Alice}}","iat":{{T0}},"exp":{{T0 + 7200}}{{extra}}}""";

    [Fact]
    public void CreateAccessToken_SameInputsAsReference_ProducesIdenticalToken()
    {
        var issued = At(T0).CreateAccessToken(Alice, AuthScope.AppPass);

        Assert.Equal(JoseAccessToken, issued.Jwt);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(T0 + 7200), issued.Claims.ExpiresAt);
    }

    [Fact]
    public void CreateRefreshToken_SameInputsAsReference_ProducesIdenticalToken()
    {
        var issued = At(T0).CreateRefreshToken(Alice, JoseRefreshJti);

        Assert.Equal(JoseRefreshToken, issued.Jwt);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(T0 + (90 * 86400)), issued.Claims.ExpiresAt);
    }

    [Fact]
    public void VerifyAccessToken_ReferenceIssuedToken_ReturnsClaims()
    {
        var result = At(T0 + 100).VerifyAccessToken(JoseAccessToken);

        Assert.True(result.IsValid, result.Failure.ToString());
        Assert.Equal(Alice, result.Claims!.Subject);
        Assert.Equal(AuthScope.AppPass, result.Claims.Scope);
        Assert.Equal(ServiceDid, result.Claims.Audience);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(T0), result.Claims.IssuedAt);
        Assert.Null(result.Claims.TokenId);
    }

    [Fact]
    public void VerifyRefreshToken_ReferenceIssuedToken_ReturnsTokenId()
    {
        var result = At(T0 + 100).VerifyRefreshToken(JoseRefreshToken);

        Assert.True(result.IsValid, result.Failure.ToString());
        Assert.Equal(AuthScope.Refresh, result.Claims!.Scope);
        Assert.Equal(JoseRefreshJti, result.Claims.TokenId);
    }

    [Theory]
    [InlineData(AuthScope.Access)]
    [InlineData(AuthScope.AppPass)]
    [InlineData(AuthScope.AppPassPrivileged)]
    [InlineData(AuthScope.SignupQueued)]
    [InlineData(AuthScope.Takendown)]
    public void VerifyAccessToken_RoundTrip_PreservesScope(AuthScope scope)
    {
        var tokens = At(T0);
        var issued = tokens.CreateAccessToken(Alice, scope);

        var result = tokens.VerifyAccessToken(issued.Jwt);

        Assert.True(result.IsValid, result.Failure.ToString());
        Assert.Equal(issued.Claims, result.Claims);
        Assert.Contains("\"typ\":\"at+jwt\"", JwtCraft.HeaderJson(issued.Jwt), StringComparison.Ordinal);
    }

    [Fact]
    public void CreateAccessToken_RefreshScope_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => At(T0).CreateAccessToken(Alice, AuthScope.Refresh));
    }

    [Fact]
    public void VerifyRefreshToken_RoundTrip_HasRandomBase64Jti()
    {
        var tokens = At(T0);
        var a = tokens.CreateRefreshToken(Alice);
        var b = tokens.CreateRefreshToken(Alice);

        var result = tokens.VerifyRefreshToken(a.Jwt);

        Assert.True(result.IsValid, result.Failure.ToString());
        Assert.Equal(a.Claims.TokenId, result.Claims!.TokenId);
        Assert.Equal(32, Convert.FromBase64String(a.Claims.TokenId!).Length);
        Assert.NotEqual(a.Claims.TokenId, b.Claims.TokenId);
    }

    [Fact]
    public void VerifyAccessToken_JustBeforeExpiryPlusSkew_Accepted()
    {
        var token = At(T0).CreateAccessToken(Alice).Jwt;

        Assert.True(At(T0 + 7200 + 29).VerifyAccessToken(token).IsValid);
    }

    [Fact]
    public void VerifyAccessToken_Expired_ReportsExpired()
    {
        var token = At(T0).CreateAccessToken(Alice).Jwt;

        Assert.Equal(JwtFailure.Expired, At(T0 + 7200 + 30).VerifyAccessToken(token).Failure);
    }

    [Fact]
    public void VerifyRefreshToken_ExpiredButAllowed_Accepted()
    {
        var token = At(T0).CreateRefreshToken(Alice).Jwt;
        var later = At(T0 + (91 * 86400));

        Assert.Equal(JwtFailure.Expired, later.VerifyRefreshToken(token).Failure);
        Assert.True(later.VerifyRefreshToken(token, allowExpired: true).IsValid);
    }

    [Fact]
    public void VerifyAccessToken_IssuedInFuture_ReportsNotYetValid()
    {
        var token = At(T0 + 3600).CreateAccessToken(Alice).Jwt;

        Assert.Equal(JwtFailure.NotYetValid, At(T0).VerifyAccessToken(token).Failure);
    }

    [Fact]
    public void Verify_TokenOfOtherKind_ReportsBadType()
    {
        var tokens = At(T0);

        Assert.Equal(JwtFailure.BadType, tokens.VerifyRefreshToken(tokens.CreateAccessToken(Alice).Jwt).Failure);
        Assert.Equal(JwtFailure.BadType, tokens.VerifyAccessToken(tokens.CreateRefreshToken(Alice).Jwt).Failure);
    }

    [Theory]
    [InlineData("""{"alg":"HS256"}""")]
    [InlineData("""{"typ":"JWT","alg":"HS256"}""")]
    [InlineData("""{"typ":"dpop+jwt","alg":"HS256"}""")]
    public void VerifyAccessToken_WrongOrMissingTyp_ReportsBadType(string header)
    {
        Assert.Equal(JwtFailure.BadType, At(T0).VerifyAccessToken(Hs256(header, AccessPayload())).Failure);
    }

    [Fact]
    public void VerifyAccessToken_TypWithMediaTypePrefix_Accepted()
    {
        var token = Hs256("""{"typ":"application/AT+JWT","alg":"HS256"}""", AccessPayload());

        Assert.True(At(T0).VerifyAccessToken(token).IsValid);
    }

    [Fact]
    public void VerifyAccessToken_AlgNoneWithEmptySignature_Rejected()
    {
        var token = JwtCraft.B64("""{"typ":"at+jwt","alg":"none"}""") + "." + JwtCraft.B64(AccessPayload()) + ".";

        var result = At(T0).VerifyAccessToken(token);

        Assert.False(result.IsValid);
        Assert.Equal(JwtFailure.Malformed, result.Failure);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("None")]
    [InlineData("HS384")]
    [InlineData("ES256K")]
    [InlineData("hs256")]
    public void VerifyAccessToken_OtherAlgWithValidHs256Mac_ReportsBadAlgorithm(string alg)
    {
        var token = Hs256($$"""{"typ":"at+jwt","alg":"{{alg}}"}""", AccessPayload());

        Assert.Equal(JwtFailure.BadAlgorithm, At(T0).VerifyAccessToken(token).Failure);
    }

    [Fact]
    public void VerifyAccessToken_Hs512SignedWithServerSecret_ReportsBadAlgorithm()
    {
        var token = JwtCraft.Token("""{"typ":"at+jwt","alg":"HS512"}""", AccessPayload(),
            input => HMACSHA512.HashData(Encoding.UTF8.GetBytes(Secret), input));

        Assert.Equal(JwtFailure.BadAlgorithm, At(T0).VerifyAccessToken(token).Failure);
    }

    [Fact]
    public void VerifyAccessToken_MissingAlg_ReportsBadAlgorithm()
    {
        Assert.Equal(JwtFailure.BadAlgorithm, At(T0).VerifyAccessToken(Hs256("""{"typ":"at+jwt"}""", AccessPayload())).Failure);
    }

    [Fact]
    public void VerifyAccessToken_SignedWithOtherSecret_ReportsBadSignature()
    {
        var forged = At(T0, secret: "another-secret-of-enough-length").CreateAccessToken(Alice).Jwt;

        Assert.Equal(JwtFailure.BadSignature, At(T0).VerifyAccessToken(forged).Failure);
    }

    [Fact]
    public void VerifyAccessToken_PayloadSwappedUnderValidSignature_ReportsBadSignature()
    {
        var tokens = At(T0);
        var mine = tokens.CreateAccessToken(Alice).Jwt.Split('.');
        var other = tokens.CreateAccessToken(Did.Parse("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa")).Jwt.Split('.');

        var spliced = $"{mine[0]}.{other[1]}.{mine[2]}";

        Assert.Equal(JwtFailure.BadSignature, tokens.VerifyAccessToken(spliced).Failure);
    }

    [Fact]
    public void VerifyAccessToken_TruncatedSignature_ReportsBadSignature()
    {
        var token = At(T0).CreateAccessToken(Alice).Jwt;

        Assert.Equal(JwtFailure.BadSignature, At(T0).VerifyAccessToken(token[..^4]).Failure);
    }

    [Fact]
    public void VerifyAccessToken_OtherAudience_ReportsBadAudience()
    {
        var token = At(T0, serviceDid: "did:web:other.example.com").CreateAccessToken(Alice).Jwt;

        Assert.Equal(JwtFailure.BadAudience, At(T0).VerifyAccessToken(token).Failure);
    }

    [Fact]
    public void VerifyAccessToken_ArrayAudience_Rejected()
    {
        var payload = $$"""{"scope":"com.atproto.access","aud":["{{ServiceDid}}"],"sub":"{{Alice}}","exp":{{T0 + 60}}}""";

        Assert.Equal(JwtFailure.Malformed, At(T0).VerifyAccessToken(Hs256(AccessHeader, payload)).Failure);
    }

    [Theory]
    [InlineData(",\"lxm\":\"com.atproto.repo.createRecord\"", JwtFailure.UnexpectedClaim)]
    [InlineData(",\"cnf\":{\"jkt\":\"abc\"}", JwtFailure.UnexpectedClaim)]
    [InlineData(",\"scope\":\"com.atproto.access\"", JwtFailure.Malformed)]
    [InlineData(",\"exp\":\"soon\"", JwtFailure.Malformed)]
    public void VerifyAccessToken_ExtraOrDuplicateClaims_Rejected(string extra, JwtFailure expected)
    {
        Assert.Equal(expected, At(T0).VerifyAccessToken(Hs256(AccessHeader, AccessPayload(extra))).Failure);
    }

    [Fact]
    public void VerifyAccessToken_UnknownExtraClaim_Ignored()
    {
        Assert.True(At(T0).VerifyAccessToken(Hs256(AccessHeader, AccessPayload(",\"foo\":[1,{\"a\":null}]"))).IsValid);
    }

    [Theory]
    [InlineData("com.atproto.refresh")]
    [InlineData("atproto")]
    [InlineData("")]
    public void VerifyAccessToken_BadScope_ReportsBadScope(string scope)
    {
        var payload = $$"""{"scope":"{{scope}}","aud":"{{ServiceDid}}","sub":"{{Alice}}","exp":{{T0 + 60}}}""";

        Assert.Equal(JwtFailure.BadScope, At(T0).VerifyAccessToken(Hs256(AccessHeader, payload)).Failure);
    }

    [Fact]
    public void VerifyAccessToken_SubjectNotDid_ReportsBadSubject()
    {
        var payload = $$"""{"scope":"com.atproto.access","aud":"{{ServiceDid}}","sub":"alice.example.com","exp":{{T0 + 60}}}""";

        Assert.Equal(JwtFailure.BadSubject, At(T0).VerifyAccessToken(Hs256(AccessHeader, payload)).Failure);
    }

    [Fact]
    public void VerifyAccessToken_NoExp_ReportsMissingClaim()
    {
        var payload = $$"""{"scope":"com.atproto.access","aud":"{{ServiceDid}}","sub":"{{Alice}}"}""";

        Assert.Equal(JwtFailure.MissingClaim, At(T0).VerifyAccessToken(Hs256(AccessHeader, payload)).Failure);
    }

    [Fact]
    public void VerifyRefreshToken_NoJti_ReportsMissingClaim()
    {
        var payload = $$"""{"scope":"com.atproto.refresh","aud":"{{ServiceDid}}","sub":"{{Alice}}","exp":{{T0 + 60}}}""";

        Assert.Equal(JwtFailure.MissingClaim,
            At(T0).VerifyRefreshToken(Hs256("""{"typ":"refresh+jwt","alg":"HS256"}""", payload)).Failure);
    }

    [Fact]
    public void VerifyAccessToken_CriticalHeader_Rejected()
    {
        var token = Hs256("""{"typ":"at+jwt","alg":"HS256","crit":["b64"],"b64":false}""", AccessPayload());

        Assert.Equal(JwtFailure.UnsupportedCriticalHeader, At(T0).VerifyAccessToken(token).Failure);
    }

    [Fact]
    public void VerifyAccessToken_FractionalTimes_Accepted()
    {
        var payload = $$"""{"scope":"com.atproto.access","aud":"{{ServiceDid}}","sub":"{{Alice}}","iat":{{T0}}.25,"exp":{{T0 + 60}}.5}""";

        var result = At(T0).VerifyAccessToken(Hs256(AccessHeader, payload));

        Assert.True(result.IsValid, result.Failure.ToString());
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(T0 + 60), result.Claims!.ExpiresAt);
    }

    public static TheoryData<string> MalformedTokens()
    {
        var valid = new SessionTokens(Secret, ServiceDid, new FixedTimeProvider(T0)).CreateAccessToken(Alice).Jwt;
        var parts = valid.Split('.');
        return new TheoryData<string>
        {
            "",
            "abc",
            $"{parts[0]}.{parts[1]}",
            $"{parts[0]}.{parts[1]}.{parts[2]}.{parts[2]}",
            $".{parts[1]}.{parts[2]}",
            $"{parts[0]}..{parts[2]}",
            $"{parts[0]}*.{parts[1]}.{parts[2]}",
            $"{parts[0]}.{parts[1]}.{parts[2]}=",
            $"{parts[0]}.{parts[1]}==.{parts[2]}",
            $"{parts[0]}.{parts[1]}.{parts[2].Replace('_', '/').Replace('-', '+')}+/",
            $"{parts[0]} .{parts[1]}.{parts[2]}",
            $"{JwtCraft.B64("[1,2]")}.{parts[1]}.{parts[2]}",
            $"{JwtCraft.B64("{\"alg\":\"HS256\"")}.{parts[1]}.{parts[2]}",
            $"{JwtCraft.B64("{\"alg\":\"HS256\",\"alg\":\"none\"}")}.{parts[1]}.{parts[2]}",
            $"{JwtCraft.B64("{\"alg\":\"HS256\"} {}")}.{parts[1]}.{parts[2]}",
            $"{JwtCraft.B64("{\"alg\":\"HS256\",\"\\u0061lg\":\"none\"}")}.{parts[1]}.{parts[2]}",
            $"{JwtCraft.B64([0xff, 0xfe, 0x7b])}.{parts[1]}.{parts[2]}",
            $"{parts[0]}.{JwtCraft.B64("\"just a string\"")}.{parts[2]}",
            valid + new string('A', 9000),
            new string('a', 100_000) + "." + new string('b', 100_000) + ".c",
        };
    }

    [Theory]
    [MemberData(nameof(MalformedTokens))]
    public void VerifyAccessToken_MalformedToken_ReportsMalformed(string token)
    {
        var result = At(T0).VerifyAccessToken(token);

        Assert.False(result.IsValid);
        Assert.Equal(JwtFailure.Malformed, result.Failure);
    }

    [Fact]
    public void VerifyAccessToken_NonCanonicalBase64Signature_Rejected()
    {
        var token = At(T0).CreateAccessToken(Alice).Jwt;
        // A 32-byte MAC is 43 characters whose last carries 2 unused bits; setting them keeps the
        // decoded bytes but changes the text.
        var last = token[^1];
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var tweaked = token[..^1] + alphabet[alphabet.IndexOf(last, StringComparison.Ordinal) | 1];

        Assert.Equal(JwtFailure.Malformed, At(T0).VerifyAccessToken(tweaked).Failure);
    }

    [Fact]
    public void VerifyAccessToken_NullToken_ReportsMalformed()
    {
        Assert.Equal(JwtFailure.Malformed, At(T0).VerifyAccessToken(null).Failure);
    }

    [Fact]
    public void Verify_ArbitraryInput_NeverThrowsNorAccepts()
    {
        var tokens = At(T0);
        var valid = tokens.CreateAccessToken(Alice).Jwt;
        Gen.OneOf(
                Gen.String,
                Gen.String[Gen.Char["abcXYZ019-_.="], 0, 200],
                Gen.Int[0, valid.Length - 1].Select(Gen.Char["aB9-_.*"], (i, c) => valid[..i] + c + valid[(i + 1)..]))
            .Where(s => s != valid)
            .Sample(s =>
            {
                Assert.False(tokens.VerifyAccessToken(s).IsValid);
                Assert.False(tokens.VerifyRefreshToken(s, allowExpired: true).IsValid);
            }, iter: 2000);
    }

    [Fact]
    public void Constructor_ShortSecret_Throws()
    {
        Assert.Throws<ArgumentException>(() => new SessionTokens("short", ServiceDid));
        Assert.Throws<ArgumentException>(() => new SessionTokens(Secret, "pds.example.com"));
    }
}
