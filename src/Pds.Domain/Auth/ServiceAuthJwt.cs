using System.Security.Cryptography;
using Pds.Domain.Crypto;
using Pds.Domain.Syntax;

namespace Pds.Domain.Auth;

/// <summary>Claims of an inter-service auth token.</summary>
/// <param name="Issuer">The raw <c>iss</c>: a DID, or (legacy) a DID with a <c>#service</c> fragment.</param>
/// <param name="IssuerDid">The DID part of <c>iss</c>, whose document holds the signing key.</param>
/// <param name="IssuerServiceId">The fragment of <c>iss</c> without <c>#</c>, if any.</param>
/// <param name="Audience"><c>aud</c>: the receiving service's DID, optionally with a <c>#service</c> fragment.</param>
/// <param name="ExpiresAt"><c>exp</c>.</param>
/// <param name="IssuedAt"><c>iat</c>, when present.</param>
/// <param name="LexiconMethod"><c>lxm</c>: the NSID of the one method the token authorises, when present.</param>
/// <param name="TokenId"><c>jti</c>: the nonce for replay protection, when present.</param>
/// <param name="KeyId">The <c>kid</c> header, when present (a verification method fragment such as <c>#atproto</c>).</param>
public sealed record ServiceJwtClaims(
    string Issuer,
    Did IssuerDid,
    string? IssuerServiceId,
    string Audience,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? IssuedAt,
    string? LexiconMethod,
    string? TokenId,
    string? KeyId)
{
    /// <summary>
    /// The DID-document verification method whose key must have signed the token: the <c>kid</c>
    /// header when present, else <c>atproto_label</c> for the legacy <c>#atproto_labeler</c> issuer
    /// form, else <c>atproto</c>. The value comes from the unverified token: a receiving service must
    /// check it against the verification methods it is willing to accept (normally only
    /// <c>atproto</c>) before resolving a key, to keep separate keys separate.
    /// </summary>
    public string SigningKeyId =>
        KeyId is { Length: > 1 } kid && kid[0] == '#' ? kid[1..]
        : IssuerServiceId == "atproto_labeler" ? "atproto_label"
        : "atproto";
}

/// <summary>What a receiving service expects of a service auth token.</summary>
/// <param name="Audiences">Accepted <c>aud</c> values (exact match); null skips the audience check.</param>
/// <param name="LexiconMethod">The NSID of the method being called; when set, <c>lxm</c> must equal it.</param>
/// <param name="ClockSkew">Tolerance for <c>exp</c> and <c>iat</c>; 30 seconds when null.</param>
public sealed record ServiceJwtExpectations(
    IReadOnlyCollection<string>? Audiences,
    string? LexiconMethod,
    TimeSpan? ClockSkew = null);

/// <summary>A decoded but not yet verified service auth token; read its issuer, resolve the key, then verify.</summary>
public sealed class ServiceJwtToken
{
    internal ServiceJwtToken(ParsedJwt jwt, ServiceJwtClaims claims)
    {
        Jwt = jwt;
        Claims = claims;
    }

    /// <summary>Claims as presented; nothing about them is trusted until verification succeeds.</summary>
    public ServiceJwtClaims Claims { get; }

    public string? Algorithm => Jwt.Header.Alg;

    internal ParsedJwt Jwt { get; }
}

/// <summary>
/// atproto inter-service authentication: short-lived JWTs signed by the account's atproto signing key
/// (ES256K for secp256k1, ES256 for P-256) with a 64-byte compact low-S ECDSA signature over
/// SHA-256 of <c>header.payload</c>. Created with header <c>{"typ":"JWT","alg":…}</c> and claims
/// <c>iat, iss, aud, exp, lxm, jti</c>; verified against the key resolved from the issuer's DID
/// document. High-S and DER signatures are rejected.
/// </summary>
public static class ServiceAuthJwt
{
    public const string TokenType = "JWT";

    /// <summary>Lifetime when the caller names no expiry.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromSeconds(60);

    /// <summary>Longest lifetime this server will sign (an hour, as the reference PDS allows).</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(60);

    private static readonly TimeSpan DefaultClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Creates a signed token. <paramref name="expiresAt"/> defaults to 60 seconds from now and must lie in
    /// the future and no more than <see cref="MaxLifetime"/> ahead; <paramref name="issuer"/> is a DID,
    /// optionally with a <c>#service</c> fragment.
    /// </summary>
    public static string Create(
        IKeypair keypair,
        string issuer,
        string audience,
        string? lexiconMethod,
        DateTimeOffset? expiresAt = null,
        TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(keypair);
        if (!TrySplitIssuer(issuer, out _, out _))
        {
            throw new ArgumentException("The issuer must be a DID, optionally with a #service fragment.", nameof(issuer));
        }

        ArgumentException.ThrowIfNullOrEmpty(audience);
        if (lexiconMethod is not null && !Nsid.IsValid(lexiconMethod))
        {
            throw new ArgumentException("The lexicon method must be an NSID.", nameof(lexiconMethod));
        }

        var iat = (time ?? TimeProvider.System).GetUtcNow().ToUnixTimeSeconds();
        var exp = expiresAt?.ToUnixTimeSeconds() ?? iat + (long)DefaultLifetime.TotalSeconds;
        if (exp <= iat || exp > iat + (long)MaxLifetime.TotalSeconds)
        {
            throw new ArgumentOutOfRangeException(nameof(expiresAt), "The expiry must be in the future and at most an hour away.");
        }

        Span<byte> nonce = stackalloc byte[16];
        RandomNumberGenerator.Fill(nonce);
        var jti = Convert.ToHexStringLower(nonce);

        var alg = keypair.JwtAlgorithm;
        var header = CompactJwt.Json(w =>
        {
            w.WriteString("typ", TokenType);
            w.WriteString("alg", alg);
        });
        var payload = CompactJwt.Json(w =>
        {
            w.WriteNumber("iat", iat);
            w.WriteString("iss", issuer);
            w.WriteString("aud", audience);
            w.WriteNumber("exp", exp);
            if (lexiconMethod is not null)
            {
                w.WriteString("lxm", lexiconMethod);
            }

            w.WriteString("jti", jti);
        });
        return CompactJwt.Encode(header, payload, 64, (input, signature) =>
        {
            if (!keypair.TrySign(input, signature))
            {
                throw new CryptographicException("Signing failed.");
            }
        });
    }

    /// <summary>
    /// Decodes a token without checking anything but its shape and claim types, so the issuer's key can be
    /// resolved. Rejects tokens whose <c>typ</c> marks them as session, refresh or DPoP tokens.
    /// </summary>
    public static bool TryDecode(string? token, out ServiceJwtToken decoded, out JwtFailure failure)
    {
        decoded = null!;
        if (!CompactJwt.TryParse(token, out var jwt, out failure))
        {
            return false;
        }

        var typ = jwt.Header.Typ;
        if (typ is not null && (CompactJwt.TypIs(typ, SessionTokens.AccessTokenType)
            || CompactJwt.TypIs(typ, SessionTokens.RefreshTokenType)
            || CompactJwt.TypIs(typ, "dpop+jwt")))
        {
            failure = JwtFailure.BadType;
            return false;
        }

        if (jwt.Header.Alg is null || !KeyTypes.TryFromJwtAlgorithm(jwt.Header.Alg, out _))
        {
            failure = JwtFailure.BadAlgorithm;
            return false;
        }

        var p = jwt.Payload;
        if (p.Iss is null || p.Aud is null || p.Exp is null)
        {
            failure = p.Iss is null || p.Aud is null ? JwtFailure.Malformed : JwtFailure.MissingClaim;
            return false;
        }

        if (!TrySplitIssuer(p.Iss, out var did, out var serviceId))
        {
            failure = JwtFailure.BadSubject;
            return false;
        }

        var claims = new ServiceJwtClaims(
            p.Iss,
            did,
            serviceId,
            p.Aud,
            DateTimeOffset.FromUnixTimeSeconds(p.Exp.Value),
            p.Iat is { } iat ? DateTimeOffset.FromUnixTimeSeconds(iat) : null,
            p.Lxm,
            p.Jti,
            jwt.Header.Kid);
        decoded = new ServiceJwtToken(jwt, claims);
        failure = JwtFailure.None;
        return true;
    }

    /// <summary>Decodes and verifies in one step against a <c>did:key</c> string.</summary>
    public static JwtVerification<ServiceJwtClaims> Verify(
        string? token, string? signingDidKey, ServiceJwtExpectations expectations, TimeProvider? time = null)
    {
        if (!TryDecode(token, out var decoded, out var failure))
        {
            return failure;
        }

        return SignatureVerifier.TryGetCachedDidKey(signingDidKey, out var key)
            ? Verify(decoded, key, expectations, time)
            : JwtFailure.BadSignature;
    }

    /// <summary>Decodes and verifies in one step against a parsed key.</summary>
    public static JwtVerification<ServiceJwtClaims> Verify(
        string? token, PublicKey signingKey, ServiceJwtExpectations expectations, TimeProvider? time = null) =>
        TryDecode(token, out var decoded, out var failure)
            ? Verify(decoded, signingKey, expectations, time)
            : failure;

    /// <summary>
    /// Verifies a decoded token against the issuer's signing key: <c>alg</c> must name the key's curve,
    /// the compact low-S signature must verify, <c>exp</c> must not have passed and <c>iat</c> must not be
    /// in the future (with the clock skew), <c>aud</c> must be an accepted audience and <c>lxm</c> must
    /// match when a method is expected.
    /// </summary>
    public static JwtVerification<ServiceJwtClaims> Verify(
        ServiceJwtToken token, PublicKey signingKey, ServiceJwtExpectations expectations, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(expectations);
        if (signingKey is null)
        {
            return JwtFailure.BadSignature;
        }

        var jwt = token.Jwt;
        if (jwt.Header.HasCrit)
        {
            return JwtFailure.UnsupportedCriticalHeader;
        }

        if (!string.Equals(jwt.Header.Alg, signingKey.JwtAlgorithm, StringComparison.Ordinal))
        {
            return JwtFailure.BadAlgorithm;
        }

        if (!SignatureVerifier.Verify(signingKey, jwt.SigningInput, jwt.Signature))
        {
            return JwtFailure.BadSignature;
        }

        var claims = token.Claims;
        var skew = (long)(expectations.ClockSkew ?? DefaultClockSkew).TotalSeconds;
        var now = (time ?? TimeProvider.System).GetUtcNow().ToUnixTimeSeconds();
        var exp = jwt.Payload.Exp!.Value;
        if (exp <= now - skew)
        {
            return JwtFailure.Expired;
        }

        if ((jwt.Payload.Iat is { } iat && (iat > now + skew || iat > exp))
            || (jwt.Payload.Nbf is { } nbf && nbf > now + skew))
        {
            return JwtFailure.NotYetValid;
        }

        if (expectations.Audiences is { } audiences && !audiences.Contains(claims.Audience, StringComparer.Ordinal))
        {
            return JwtFailure.BadAudience;
        }

        if (expectations.LexiconMethod is { } lxm && !string.Equals(claims.LexiconMethod, lxm, StringComparison.Ordinal))
        {
            return JwtFailure.BadLexiconMethod;
        }

        return JwtVerification<ServiceJwtClaims>.Success(claims);
    }

    private static bool TrySplitIssuer(string? issuer, out Did did, out string? serviceId)
    {
        did = null!;
        serviceId = null;
        if (issuer is null)
        {
            return false;
        }

        var hash = issuer.IndexOf('#', StringComparison.Ordinal);
        if (hash < 0)
        {
            return TryParseDid(issuer, out did);
        }

        var fragment = issuer.AsSpan(hash + 1);
        if (fragment.IsEmpty || fragment.Contains('#'))
        {
            return false;
        }

        serviceId = fragment.ToString();
        return TryParseDid(issuer[..hash], out did);
    }

    private static bool TryParseDid(string value, out Did did)
    {
        if (Did.TryParse(value, out var parsed))
        {
            did = parsed;
            return true;
        }

        did = null!;
        return false;
    }
}
