using System.Security.Cryptography;
using System.Text;
using Pds.Domain.Syntax;

namespace Pds.Domain.Auth;

/// <summary>Verified (or just issued) claims of a session token.</summary>
/// <param name="Subject">The account DID (<c>sub</c>).</param>
/// <param name="Audience">The service DID the token was issued for (<c>aud</c>).</param>
/// <param name="Scope">The <c>scope</c> claim.</param>
/// <param name="IssuedAt"><c>iat</c>, when present.</param>
/// <param name="ExpiresAt"><c>exp</c>.</param>
/// <param name="TokenId"><c>jti</c>: always present on refresh tokens (it keys the stored refresh token row).</param>
public sealed record SessionTokenClaims(
    Did Subject,
    string Audience,
    AuthScope Scope,
    DateTimeOffset? IssuedAt,
    DateTimeOffset ExpiresAt,
    string? TokenId);

/// <summary>A freshly signed token and the claims it carries.</summary>
public sealed record IssuedSessionToken(string Jwt, SessionTokenClaims Claims);

/// <summary>
/// The legacy (non-OAuth) session tokens the PDS signs with its own HMAC secret, byte-compatible with
/// the reference PDS:
/// access tokens have header <c>{"typ":"at+jwt","alg":"HS256"}</c> (RFC 9068's type) and claims
/// <c>scope, aud, sub, iat, exp</c> with a 2 hour lifetime; refresh tokens have header
/// <c>{"typ":"refresh+jwt","alg":"HS256"}</c> and claims <c>scope (com.atproto.refresh), aud, sub, jti,
/// iat, exp</c> with a 90 day lifetime and a random 32-byte base64 <c>jti</c>. The HMAC key is the
/// UTF-8 bytes of the configured JWT secret.
/// </summary>
/// <remarks>
/// JWTs are handled here directly (System.Text.Json + HMAC-SHA256) rather than through a general JWT
/// library: the domain layer takes no dependencies beyond the BCL and BouncyCastle, only one algorithm
/// is ever valid, and the verification rules (fixed <c>alg</c>, <c>typ</c> per token kind, string
/// <c>aud</c>, no <c>lxm</c>/<c>cnf</c>) are narrower than what such libraries accept by default.
/// Verification never throws for untrusted input; it returns a <see cref="JwtFailure"/>.
/// </remarks>
public sealed class SessionTokens
{
    public const string Algorithm = "HS256";
    public const string AccessTokenType = "at+jwt";
    public const string RefreshTokenType = "refresh+jwt";

    public static readonly TimeSpan AccessTokenLifetime = TimeSpan.FromMinutes(120);
    public static readonly TimeSpan RefreshTokenLifetime = TimeSpan.FromDays(90);

    /// <summary>Allowed disagreement between the clock that issued a token and the one checking it.</summary>
    public static readonly TimeSpan DefaultClockSkew = TimeSpan.FromSeconds(30);

    private const int MacLength = 32;
    private const int MinSecretLength = 16;

    private readonly byte[] key;
    private readonly TimeProvider time;
    private readonly long skewSeconds;

    /// <param name="secret">The JWT secret; the HMAC key is its UTF-8 bytes.</param>
    /// <param name="serviceDid">This PDS's DID: the <c>aud</c> of issued tokens and the only audience accepted.</param>
    /// <param name="time">Clock; the system clock when null.</param>
    /// <param name="clockSkew">Tolerance for <c>exp</c>/<c>iat</c>/<c>nbf</c>; <see cref="DefaultClockSkew"/> when null.</param>
    public SessionTokens(string secret, string serviceDid, TimeProvider? time = null, TimeSpan? clockSkew = null)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentException.ThrowIfNullOrEmpty(serviceDid);
        key = Encoding.UTF8.GetBytes(secret);
        if (key.Length < MinSecretLength)
        {
            throw new ArgumentException($"The JWT secret must be at least {MinSecretLength} bytes.", nameof(secret));
        }

        if (!serviceDid.StartsWith("did:", StringComparison.Ordinal))
        {
            throw new ArgumentException("The service DID must be a DID.", nameof(serviceDid));
        }

        ServiceDid = serviceDid;
        this.time = time ?? TimeProvider.System;
        var skew = clockSkew ?? DefaultClockSkew;
        ArgumentOutOfRangeException.ThrowIfLessThan(skew, TimeSpan.Zero, nameof(clockSkew));
        skewSeconds = (long)skew.TotalSeconds;
    }

    public string ServiceDid { get; }

    /// <summary>Issues an access token for <paramref name="did"/> with the given scope.</summary>
    public IssuedSessionToken CreateAccessToken(Did did, AuthScope scope = AuthScope.Access, TimeSpan? lifetime = null)
    {
        ArgumentNullException.ThrowIfNull(did);
        if (scope == AuthScope.Refresh || !Enum.IsDefined(scope))
        {
            throw new ArgumentOutOfRangeException(nameof(scope), "Not an access token scope.");
        }

        var (iat, exp) = Window(lifetime ?? AccessTokenLifetime);
        var header = CompactJwt.Json(w =>
        {
            w.WriteString("typ", AccessTokenType);
            w.WriteString("alg", Algorithm);
        });
        var payload = CompactJwt.Json(w =>
        {
            w.WriteString("scope", scope.ToWireName());
            w.WriteString("aud", ServiceDid);
            w.WriteString("sub", did.ToString());
            w.WriteNumber("iat", iat);
            w.WriteNumber("exp", exp);
        });
        var jwt = CompactJwt.Encode(header, payload, MacLength, Mac);
        return new IssuedSessionToken(jwt, new SessionTokenClaims(
            did, ServiceDid, scope, DateTimeOffset.FromUnixTimeSeconds(iat), DateTimeOffset.FromUnixTimeSeconds(exp), null));
    }

    /// <summary>Issues a refresh token; <paramref name="tokenId"/> defaults to a new random id (<see cref="NewRefreshTokenId"/>).</summary>
    public IssuedSessionToken CreateRefreshToken(Did did, string? tokenId = null, TimeSpan? lifetime = null)
    {
        ArgumentNullException.ThrowIfNull(did);
        var jti = tokenId ?? NewRefreshTokenId();
        var (iat, exp) = Window(lifetime ?? RefreshTokenLifetime);
        var header = CompactJwt.Json(w =>
        {
            w.WriteString("typ", RefreshTokenType);
            w.WriteString("alg", Algorithm);
        });
        var payload = CompactJwt.Json(w =>
        {
            w.WriteString("scope", AuthScopes.Refresh);
            w.WriteString("aud", ServiceDid);
            w.WriteString("sub", did.ToString());
            w.WriteString("jti", jti);
            w.WriteNumber("iat", iat);
            w.WriteNumber("exp", exp);
        });
        var jwt = CompactJwt.Encode(header, payload, MacLength, Mac);
        return new IssuedSessionToken(jwt, new SessionTokenClaims(
            did, ServiceDid, AuthScope.Refresh, DateTimeOffset.FromUnixTimeSeconds(iat), DateTimeOffset.FromUnixTimeSeconds(exp), jti));
    }

    /// <summary>A refresh token id as the reference PDS makes them: 32 random bytes, standard base64 with padding.</summary>
    public static string NewRefreshTokenId()
    {
        Span<byte> bytes = stackalloc byte[32];
        RandomNumberGenerator.Fill(bytes);
        return Convert.ToBase64String(bytes);
    }

    /// <summary>
    /// Verifies an access token: HS256 only, <c>typ</c> <c>at+jwt</c>, valid MAC, unexpired, audience
    /// equal to <see cref="ServiceDid"/>, <c>sub</c> a DID, a session scope other than refresh, and no
    /// <c>lxm</c>/<c>cnf</c> (which would mark a service-auth or proof-of-possession token).
    /// </summary>
    public JwtVerification<SessionTokenClaims> VerifyAccessToken(string? token) =>
        Verify(token, AccessTokenType, refresh: false, allowExpired: false);

    /// <summary>
    /// Verifies a refresh token: as <see cref="VerifyAccessToken"/> but <c>typ</c> <c>refresh+jwt</c>,
    /// scope <c>com.atproto.refresh</c>, and a <c>jti</c>. <paramref name="allowExpired"/> skips the
    /// expiry check (used when revoking a session).
    /// </summary>
    public JwtVerification<SessionTokenClaims> VerifyRefreshToken(string? token, bool allowExpired = false) =>
        Verify(token, RefreshTokenType, refresh: true, allowExpired);

    private JwtVerification<SessionTokenClaims> Verify(string? token, string typ, bool refresh, bool allowExpired)
    {
        if (!CompactJwt.TryParse(token, out var jwt, out var failure))
        {
            return failure;
        }

        var header = jwt.Header;
        if (!string.Equals(header.Alg, Algorithm, StringComparison.Ordinal))
        {
            return JwtFailure.BadAlgorithm;
        }

        if (header.HasCrit)
        {
            return JwtFailure.UnsupportedCriticalHeader;
        }

        if (!CompactJwt.TypIs(header.Typ, typ))
        {
            return JwtFailure.BadType;
        }

        Span<byte> expected = stackalloc byte[MacLength];
        Mac(jwt.SigningInput, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, jwt.Signature))
        {
            return JwtFailure.BadSignature;
        }

        var claims = jwt.Payload;
        if (claims.Exp is not { } exp)
        {
            return JwtFailure.MissingClaim;
        }

        var now = time.GetUtcNow().ToUnixTimeSeconds();
        if (!allowExpired && exp <= now - skewSeconds)
        {
            return JwtFailure.Expired;
        }

        if ((claims.Iat is { } iat && (iat > now + skewSeconds || iat > exp))
            || (claims.Nbf is { } nbf && nbf > now + skewSeconds))
        {
            return JwtFailure.NotYetValid;
        }

        if (!string.Equals(claims.Aud, ServiceDid, StringComparison.Ordinal))
        {
            return JwtFailure.BadAudience;
        }

        if (claims.Lxm is not null || claims.HasCnf)
        {
            return JwtFailure.UnexpectedClaim;
        }

        if (!Did.TryParse(claims.Sub, out var subject))
        {
            return JwtFailure.BadSubject;
        }

        if (!AuthScopes.TryParse(claims.Scope, out var scope) || (scope == AuthScope.Refresh) != refresh)
        {
            return JwtFailure.BadScope;
        }

        if (refresh && string.IsNullOrEmpty(claims.Jti))
        {
            return JwtFailure.MissingClaim;
        }

        return JwtVerification<SessionTokenClaims>.Success(new SessionTokenClaims(
            subject,
            claims.Aud!,
            scope,
            claims.Iat is { } issued ? DateTimeOffset.FromUnixTimeSeconds(issued) : null,
            DateTimeOffset.FromUnixTimeSeconds(exp),
            claims.Jti));
    }

    private (long Iat, long Exp) Window(TimeSpan lifetime)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero, nameof(lifetime));
        var iat = time.GetUtcNow().ToUnixTimeSeconds();
        return (iat, iat + (long)lifetime.TotalSeconds);
    }

    private void Mac(ReadOnlySpan<byte> signingInput, Span<byte> mac) => HMACSHA256.HashData(key, signingInput, mac);
}
