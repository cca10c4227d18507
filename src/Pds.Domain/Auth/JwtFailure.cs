namespace Pds.Domain.Auth;

/// <summary>Why a JWT was rejected. Verification reports one of these instead of throwing.</summary>
public enum JwtFailure
{
    None = 0,

    /// <summary>Not three base64url parts, bad base64url, not a JSON object, duplicate or mistyped claims, or too long.</summary>
    Malformed,

    /// <summary>The <c>alg</c> header is not the one this kind of token must use (including <c>none</c>).</summary>
    BadAlgorithm,

    /// <summary>The <c>typ</c> header does not match the kind of token expected.</summary>
    BadType,

    /// <summary>A critical (<c>crit</c>) header extension is present; none are understood.</summary>
    UnsupportedCriticalHeader,

    /// <summary>The signature does not verify.</summary>
    BadSignature,

    /// <summary>Past <c>exp</c> (plus the allowed clock skew).</summary>
    Expired,

    /// <summary><c>iat</c> or <c>nbf</c> lies in the future beyond the allowed clock skew, or after <c>exp</c>.</summary>
    NotYetValid,

    /// <summary>A required time claim is missing.</summary>
    MissingClaim,

    /// <summary><c>aud</c> is not the expected audience.</summary>
    BadAudience,

    /// <summary><c>sub</c> or <c>iss</c> is not a valid DID (or DID with service fragment for <c>iss</c>).</summary>
    BadSubject,

    /// <summary>The <c>scope</c> claim is missing, unknown, or not allowed for this kind of token.</summary>
    BadScope,

    /// <summary><c>lxm</c> is missing or names a different method than the one called.</summary>
    BadLexiconMethod,

    /// <summary>The token carries claims that this kind of token must not have (e.g. <c>lxm</c>, <c>cnf</c> on a session token).</summary>
    UnexpectedClaim,
}

/// <summary>The outcome of a JWT verification: either claims or a failure reason.</summary>
public readonly record struct JwtVerification<TClaims>(TClaims? Claims, JwtFailure Failure)
    where TClaims : class
{
    public bool IsValid => Failure == JwtFailure.None && Claims is not null;

    public static JwtVerification<TClaims> Success(TClaims claims) => new(claims, JwtFailure.None);

    public static JwtVerification<TClaims> Fail(JwtFailure failure) => new(null, failure);

    public static implicit operator JwtVerification<TClaims>(JwtFailure failure) => Fail(failure);
}
