namespace Pds.Application.OAuth;

/// <summary>An OAuth protocol error (RFC 6749 section 5.2 shape): <c>{"error", "error_description"}</c>.</summary>
public sealed class OAuthException : Exception
{
    public OAuthException(string error, string description, int status = 400)
        : base(description)
    {
        Error = error;
        Status = status;
    }

    public OAuthException()
        : this("server_error", "OAuth error")
    {
    }

    public OAuthException(string message)
        : this("invalid_request", message)
    {
    }

    public OAuthException(string message, Exception innerException)
        : base(message, innerException)
    {
        Error = "server_error";
        Status = 500;
    }

    public string Error { get; }

    public int Status { get; }

    /// <summary>Set when the client must retry with the server's current DPoP nonce.</summary>
    public bool NeedsDpopNonce => Error == "use_dpop_nonce";

    public static OAuthException InvalidRequest(string description) => new("invalid_request", description);

    public static OAuthException InvalidClient(string description) => new("invalid_client", description, 401);

    public static OAuthException InvalidGrant(string description) => new("invalid_grant", description);

    public static OAuthException InvalidDpop(string description) => new("invalid_dpop_proof", description, 401);

    public static OAuthException UseDpopNonce() => new("use_dpop_nonce", "Authorization server requires nonce in DPoP proof");
}

/// <summary>How a client authenticated: <c>none</c>, or <c>private_key_jwt</c> bound to one key.</summary>
public sealed record ClientAuth(string Method, string? Kid = null, string? Alg = null, string? Jkt = null)
{
    public static ClientAuth None { get; } = new("none");

    public bool IsConfidential => Method == "private_key_jwt";
}

/// <summary>A pushed authorization request and, later, its user's decision.</summary>
public sealed record OAuthAuthorizationRequest
{
    public required string Id { get; init; }

    public required string ClientId { get; init; }

    public required ClientAuth ClientAuth { get; init; }

    public required string RedirectUri { get; init; }

    public required string Scope { get; init; }

    public required string State { get; init; }

    public required string CodeChallenge { get; init; }

    public string ResponseMode { get; init; } = "query";

    public string? LoginHint { get; init; }

    public string? Prompt { get; init; }

    public string? DpopJkt { get; init; }

    /// <summary>The browser (device cookie) the request was opened in, bound on first visit.</summary>
    public string? DeviceId { get; init; }

    /// <summary>The account chosen or signed in for this request.</summary>
    public string? Did { get; init; }

    /// <summary>SHA-256 of the issued authorization code, once the user approved.</summary>
    public string? CodeHash { get; init; }

    /// <summary>The scope the user approved (a subset of <see cref="Scope"/>).</summary>
    public string? GrantedScope { get; init; }

    public required DateTime ExpiresAt { get; init; }
}

/// <summary>An OAuth session: the current access token id and refresh token hash of one grant.</summary>
public sealed record OAuthSession
{
    public required string Id { get; init; }

    public required string TokenId { get; init; }

    public required string Did { get; init; }

    public required string ClientId { get; init; }

    public required ClientAuth ClientAuth { get; init; }

    public required string DpopJkt { get; init; }

    public required string Scope { get; init; }

    public string? CodeHash { get; init; }

    public string? RefreshHash { get; init; }

    public required DateTime CreatedAt { get; init; }

    public required DateTime UpdatedAt { get; init; }

    /// <summary>When the access token issued last expires.</summary>
    public required DateTime AccessExpiresAt { get; init; }

    /// <summary>When the current refresh token stops working.</summary>
    public required DateTime RefreshExpiresAt { get; init; }

    /// <summary>The session's hard end (public clients), or null.</summary>
    public DateTime? SessionExpiresAt { get; init; }
}

/// <summary>An account signed in on a browser, for the account chooser.</summary>
public sealed record DeviceAccount(string DeviceId, string Did, DateTime AuthenticatedAt);

/// <summary>Storage of OAuth state. Tokens are kept as identifiers and hashes, never their bodies.</summary>
public interface IOAuthStore
{
    Task CreateRequestAsync(OAuthAuthorizationRequest request, CancellationToken cancellationToken = default);

    Task<OAuthAuthorizationRequest?> GetRequestAsync(string id, CancellationToken cancellationToken = default);

    Task UpdateRequestAsync(OAuthAuthorizationRequest request, CancellationToken cancellationToken = default);

    /// <summary>Removes and returns the request holding this code, so a code is redeemed once.</summary>
    Task<OAuthAuthorizationRequest?> TakeRequestByCodeAsync(string codeHash, CancellationToken cancellationToken = default);

    Task DeleteRequestAsync(string id, CancellationToken cancellationToken = default);

    Task CreateSessionAsync(OAuthSession session, CancellationToken cancellationToken = default);

    Task<OAuthSession?> GetSessionByTokenIdAsync(string tokenId, CancellationToken cancellationToken = default);

    Task<OAuthSession?> GetSessionByRefreshHashAsync(string refreshHash, CancellationToken cancellationToken = default);

    Task<OAuthSession?> GetSessionByCodeHashAsync(string codeHash, CancellationToken cancellationToken = default);

    /// <summary>The session that once held <paramref name="refreshHash"/> before rotating past it, or null.</summary>
    Task<string?> FindSessionByUsedRefreshAsync(string refreshHash, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the session's token id and refresh hash if its refresh hash is still
    /// <paramref name="expectedRefreshHash"/>; remembers the old hash as used. False when another
    /// request rotated it first.
    /// </summary>
    Task<bool> RotateAsync(OAuthSession rotated, string expectedRefreshHash, CancellationToken cancellationToken = default);

    Task DeleteSessionAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Ends the account's earlier sessions with a client (re-authorization replaces them).</summary>
    Task DeleteSessionsAsync(string did, string clientId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<OAuthSession>> ListSessionsAsync(string did, CancellationToken cancellationToken = default);

    Task<string?> GetConsentAsync(string did, string clientId, CancellationToken cancellationToken = default);

    Task SaveConsentAsync(string did, string clientId, string scope, CancellationToken cancellationToken = default);

    Task AddDeviceAccountAsync(string deviceId, string did, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<DeviceAccount>> ListDeviceAccountsAsync(string deviceId, CancellationToken cancellationToken = default);

    Task RemoveDeviceAccountAsync(string deviceId, string did, CancellationToken cancellationToken = default);
}

/// <summary>
/// One-time values (DPoP proof and client assertion <c>jti</c>s, PKCE challenges): true the first
/// time a key is seen within its lifetime, false on any replay.
/// </summary>
public interface IReplayStore
{
    Task<bool> TryUseAsync(string key, TimeSpan lifetime, CancellationToken cancellationToken = default);
}

/// <summary>Fetches client metadata and JWKS documents from the web with a hardened HTTP client.</summary>
public interface IOAuthDocumentFetcher
{
    /// <summary>GETs JSON; throws <see cref="OAuthException"/> on anything but a 200 JSON object within limits.</summary>
    Task<System.Text.Json.JsonElement> FetchJsonAsync(Uri url, CancellationToken cancellationToken = default);
}

/// <summary>
/// Resolves permission sets (lexicons of type <c>permission-set</c>) by NSID through lexicon
/// resolution, with a cache. Null when the set cannot be found or verified and nothing is cached.
/// </summary>
public interface IPermissionSetResolver
{
    Task<Pds.Domain.OAuth.PermissionSet?> ResolveAsync(string nsid, CancellationToken cancellationToken = default);
}
