using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Pds.Domain.OAuth;

namespace Pds.Domain.Tests.OAuth;

public sealed class DpopProofTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private static readonly Uri Url = new("https://pds.example.com/oauth/token");

    private static string Proof(ECDsa key, Dictionary<string, object> claims, string typ = "dpop+jwt", bool includePrivate = false)
    {
        var p = key.ExportParameters(includePrivate);
        var jwk = new Dictionary<string, string> { ["kty"] = "EC", ["crv"] = "P-256", ["x"] = Base64Url.EncodeToString(p.Q.X), ["y"] = Base64Url.EncodeToString(p.Q.Y) };
        if (includePrivate)
        {
            jwk["d"] = Base64Url.EncodeToString(p.D);
        }

        var header = new Dictionary<string, object> { ["typ"] = typ, ["alg"] = "ES256", ["jwk"] = jwk };
        var input = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(claims));
        return input + "." + Base64Url.EncodeToString(key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    private static Dictionary<string, object> Claims(string htm = "POST", string htu = "https://pds.example.com/oauth/token?x=1", long? iat = null) => new()
    {
        ["jti"] = "j1",
        ["htm"] = htm,
        ["htu"] = htu,
        ["iat"] = iat ?? Now.ToUnixTimeSeconds(),
        ["nonce"] = "n1",
    };

    [Fact]
    public void ValidProof_YieldsThumbprintJtiAndNonce()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Equal(DpopFailure.None, DpopProof.Verify(Proof(key, Claims()), "POST", Url, null, Now, out var proof));
        Assert.Equal("j1", proof!.Jti);
        Assert.Equal("n1", proof.Nonce);
        Assert.Equal(43, proof.Jkt.Length);
    }

    [Fact]
    public void WrongMethodUrlAgeTypeOrSignature_Refused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Equal(DpopFailure.WrongMethod, DpopProof.Verify(Proof(key, Claims(htm: "GET")), "POST", Url, null, Now, out _));
        Assert.Equal(DpopFailure.WrongUrl, DpopProof.Verify(Proof(key, Claims(htu: "https://pds.example.com/oauth/par")), "POST", Url, null, Now, out _));
        Assert.Equal(DpopFailure.Stale, DpopProof.Verify(Proof(key, Claims(iat: Now.ToUnixTimeSeconds() - 3600)), "POST", Url, null, Now, out _));
        Assert.Equal(DpopFailure.Malformed, DpopProof.Verify(Proof(key, Claims(), typ: "JWT"), "POST", Url, null, Now, out _));
        Assert.Equal(DpopFailure.Malformed, DpopProof.Verify(Proof(key, Claims(), includePrivate: true), "POST", Url, null, Now, out _));
        var proof = Proof(key, Claims());
        var tampered = proof[..^3] + (proof[^3] == 'A' ? "B" : "A") + proof[^2..];
        Assert.NotEqual(DpopFailure.None, DpopProof.Verify(tampered, "POST", Url, null, Now, out _));
    }

    [Fact]
    public void AccessTokenHash_Checked()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var claims = Claims();
        claims["ath"] = Base64Url.EncodeToString(SHA256.HashData("token-a"u8));
        Assert.Equal(DpopFailure.None, DpopProof.Verify(Proof(key, claims), "POST", Url, "token-a", Now, out _));
        Assert.Equal(DpopFailure.WrongAccessTokenHash, DpopProof.Verify(Proof(key, claims), "POST", Url, "token-b", Now, out _));
    }

    [Fact]
    public void Thumbprint_MatchesRfc7638Example()
    {
        // RFC 7638 section 3.1 uses an RSA key; this checks the EC member order on a fixed key instead.
        using var doc = JsonDocument.Parse("""{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","kid":"ignored"}""");
        Assert.True(Jwk.TryParse(doc.RootElement, out var jwk));
        var expected = Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes("""{"crv":"P-256","kty":"EC","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}""")));
        Assert.Equal(expected, jwk.Thumbprint());
    }

    [Fact]
    public void Pkce_S256()
    {
        // RFC 7636 appendix B.
        const string verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        Assert.Equal("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", Pkce.Challenge(verifier));
        Assert.True(Pkce.Verify(verifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        Assert.False(Pkce.Verify(verifier + "x", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        Assert.False(Pkce.Verify("short", Pkce.Challenge("short")));
    }
}
