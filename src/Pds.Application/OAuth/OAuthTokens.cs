using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Pds.Domain.Auth;
using Pds.Domain.OAuth;

namespace Pds.Application.OAuth;

/// <summary>
/// Server DPoP nonces: an HMAC of the current time step under the server's DPoP secret, so every
/// process of the service agrees without shared state. A nonce lives for three one-minute steps,
/// well inside the five-minute maximum, and the next step's is accepted too for clock edges.
/// </summary>
public sealed class DpopNonces(byte[] secret, TimeProvider clock)
{
    private static readonly long Step = 60;

    public string Current => For(clock.GetUtcNow().ToUnixTimeSeconds() / Step);

    public bool IsValid(string? nonce)
    {
        if (string.IsNullOrEmpty(nonce))
        {
            return false;
        }

        var now = clock.GetUtcNow().ToUnixTimeSeconds() / Step;
        var ok = false;
        for (var s = now - 2; s <= now + 1; s++)
        {
            ok |= ConstantTime.SecretEquals(nonce, For(s));
        }

        return ok;
    }

    private string For(long step) =>
        Base64Url.EncodeToString(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes("dpop-nonce:" + step.ToString(CultureInfo.InvariantCulture))).AsSpan(0, 18));
}

/// <summary>Claims of an OAuth access token.</summary>
public sealed record OAuthAccessClaims(string Did, string TokenId, string ClientId, string Scope, string Jkt, DateTimeOffset ExpiresAt, DateTimeOffset IssuedAt);

/// <summary>
/// OAuth access tokens: JWTs (<c>typ</c> <c>at+jwt</c>, RFC 9068) signed with HS256 under the
/// server's JWT secret, bound to the client's DPoP key by <c>cnf.jkt</c>. The token id is checked
/// against the session store on every use, so revocation takes effect at once.
/// </summary>
public sealed class OAuthAccessTokens(byte[] secret, OAuthSettings settings)
{
    public string Issue(OAuthAccessClaims claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var header = Base64Url.EncodeToString("{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}"u8);
        var payload = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["iss"] = settings.Issuer,
            ["aud"] = settings.Audience,
            ["sub"] = claims.Did,
            ["jti"] = claims.TokenId,
            ["client_id"] = claims.ClientId,
            ["scope"] = claims.Scope,
            ["cnf"] = new Dictionary<string, string> { ["jkt"] = claims.Jkt },
            ["iat"] = claims.IssuedAt.ToUnixTimeSeconds(),
            ["exp"] = claims.ExpiresAt.ToUnixTimeSeconds(),
        }));
        var input = header + "." + payload;
        return input + "." + Base64Url.EncodeToString(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(input)));
    }

    /// <summary>
    /// Whether the token looks like an OAuth access token (a JWT with a <c>cnf</c> key binding), before
    /// any checking. Session tokens share the <c>at+jwt</c> type but are never key-bound.
    /// </summary>
    public static bool LooksLikeAccessToken(string token) =>
        Jws.TryParse(token, out var jws) && jws.Claims.TryGetProperty("cnf", out _);

    /// <summary>Checks signature, issuer, audience and expiry; null when any fails.</summary>
    public OAuthAccessClaims? Verify(string token, DateTimeOffset now)
    {
        if (!Jws.TryParse(token, out var jws) || jws.Typ != "at+jwt" || jws.Alg != "HS256")
        {
            return null;
        }

        var expected = HMACSHA256.HashData(secret, jws.SigningInput);
        if (!ConstantTime.SecretEquals(expected, jws.Signature))
        {
            return null;
        }

        var exp = jws.Seconds("exp");
        var iat = jws.Seconds("iat");
        var jkt = jws.Claims.TryGetProperty("cnf", out var cnf) ? Jwk.Str(cnf, "jkt") : null;
        if (jws.Claim("iss") != settings.Issuer || jws.Claim("aud") != settings.Audience || exp is null || iat is null || jkt is null
            || jws.Claim("sub") is not { } sub || jws.Claim("jti") is not { } jti || jws.Claim("client_id") is not { } clientId)
        {
            return null;
        }

        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(exp.Value);
        return expiresAt <= now ? null : new OAuthAccessClaims(sub, jti, clientId, jws.Claim("scope") ?? string.Empty, jkt, expiresAt, DateTimeOffset.FromUnixTimeSeconds(iat.Value));
    }

    /// <summary>Whether the token is ours but expired (the resource server answers differently).</summary>
    public bool IsExpired(string token, DateTimeOffset now) =>
        Jws.TryParse(token, out var jws) && jws.Typ == "at+jwt"
        && ConstantTime.SecretEquals(HMACSHA256.HashData(secret, jws.SigningInput), jws.Signature)
        && jws.Seconds("exp") is { } exp && DateTimeOffset.FromUnixTimeSeconds(exp) <= now;

    public static string NewId(string prefix) => prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static string NewSecret(string prefix) => prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
