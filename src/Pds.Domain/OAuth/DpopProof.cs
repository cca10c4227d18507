using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Pds.Domain.OAuth;

public enum DpopFailure
{
    None,
    Malformed,
    BadSignature,
    WrongMethod,
    WrongUrl,
    Stale,
    WrongAccessTokenHash,
    MissingNonce,
}

/// <summary>A verified DPoP proof (RFC 9449): the key's thumbprint, its jti and the nonce it carried.</summary>
public sealed record DpopProof(string Jkt, string Jti, string? Nonce, DateTimeOffset IssuedAt)
{
    /// <summary>How far an <c>iat</c> may be from now in either direction.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Verifies a proof for one request: <c>typ</c> <c>dpop+jwt</c>, an EC public key in the header
    /// that signed it, <c>htm</c> and <c>htu</c> naming this request (the URL without query or
    /// fragment), a recent <c>iat</c>, a <c>jti</c>, and when <paramref name="accessToken"/> is
    /// given, <c>ath</c> as its SHA-256. Nonce and replay checks are the caller's.
    /// </summary>
    public static DpopFailure Verify(string? proof, string method, Uri url, string? accessToken, DateTimeOffset now, out DpopProof? verified)
    {
        ArgumentNullException.ThrowIfNull(url);
        verified = null;
        if (!Jws.TryParse(proof, out var jws) || jws.Typ != "dpop+jwt"
            || !jws.Header.TryGetProperty("jwk", out var jwkJson) || !Jwk.TryParse(jwkJson, out var jwk))
        {
            return DpopFailure.Malformed;
        }

        if (!jws.VerifyWith(jwk))
        {
            return DpopFailure.BadSignature;
        }

        var jti = jws.Claim("jti");
        var iat = jws.Seconds("iat");
        if (string.IsNullOrEmpty(jti) || jti.Length > 256 || iat is null)
        {
            return DpopFailure.Malformed;
        }

        if (!string.Equals(jws.Claim("htm"), method, StringComparison.Ordinal))
        {
            return DpopFailure.WrongMethod;
        }

        if (!Uri.TryCreate(jws.Claim("htu"), UriKind.Absolute, out var htu) || !SameTarget(htu, url))
        {
            return DpopFailure.WrongUrl;
        }

        var issuedAt = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(iat.Value, -62135596800L, 253402300799L));
        if ((now - issuedAt).Duration() > MaxClockSkew)
        {
            return DpopFailure.Stale;
        }

        if (accessToken is not null)
        {
            var ath = Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(accessToken)));
            if (!string.Equals(jws.Claim("ath"), ath, StringComparison.Ordinal))
            {
                return DpopFailure.WrongAccessTokenHash;
            }
        }

        verified = new DpopProof(jwk.Thumbprint(), jti, jws.Claim("nonce"), issuedAt);
        return DpopFailure.None;
    }

    /// <summary>Scheme, host, port and path equal; query and fragment ignored (RFC 9449 section 4.3).</summary>
    private static bool SameTarget(Uri htu, Uri url) =>
        string.Equals(htu.Scheme, url.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(htu.IdnHost, url.IdnHost, StringComparison.OrdinalIgnoreCase)
        && htu.Port == url.Port
        && string.Equals(htu.AbsolutePath, url.AbsolutePath, StringComparison.Ordinal);
}
