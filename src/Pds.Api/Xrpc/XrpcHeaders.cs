namespace Pds.Api.Xrpc;

internal static class XrpcHeaders
{
    /// <summary>Response headers browsers' apps may read: rate limits, DPoP nonces, auth challenges, repo revision.</summary>
    public static readonly string[] Exposed =
    [
        "DPoP-Nonce",
        "WWW-Authenticate",
        "RateLimit-Limit",
        "RateLimit-Remaining",
        "RateLimit-Reset",
        "RateLimit-Policy",
        "Atproto-Repo-Rev",
        "Atproto-Content-Labelers",
    ];
}
