using Pds.Domain.Auth;

namespace Pds.Application.Common.Abstractions;

/// <summary>What the current request proved about its caller, and where it came from.</summary>
public interface IRequestContext
{
    /// <summary>The verified credentials, or null for an unauthenticated request.</summary>
    AuthCredentials? Credentials { get; }

    string? ClientIp { get; }

    string? UserAgent { get; }
}

public enum AuthKind
{
    /// <summary>A session access token (password or app password).</summary>
    Access,

    /// <summary>A session refresh token.</summary>
    Refresh,

    /// <summary>HTTP Basic with the admin password.</summary>
    Admin,

    /// <summary>An inter-service JWT signed by the caller's repo key.</summary>
    Service,
}

/// <param name="Did">The authenticated account (for service auth, the issuer).</param>
/// <param name="Scope">The session token's scope (access and refresh tokens).</param>
/// <param name="TokenId">The refresh token's jti.</param>
/// <param name="ExpiresAt">When the presented token expires.</param>
public sealed record AuthCredentials(AuthKind Kind, string? Did, AuthScope Scope, string? TokenId = null, DateTimeOffset? ExpiresAt = null)
{
    /// <summary>For OAuth access tokens: the granted scope string and the client it was issued to.</summary>
    public string? OAuthScope { get; init; }

    public string? OAuthClientId { get; init; }

    public bool IsOAuth => OAuthScope is not null;

    /// <summary>
    /// What these credentials allow, in the permission model: OAuth tokens by their granted scope,
    /// app passwords as <c>transition:generic</c> (privileged ones with chat), password sessions everything.
    /// </summary>
    public Pds.Domain.OAuth.ScopePermissions Permissions => OAuthScope is not null
        ? _permissions ??= Pds.Domain.OAuth.ScopePermissions.Parse(OAuthScope)
        : Scope switch
        {
            AuthScope.AppPass => Pds.Domain.OAuth.ScopePermissions.AppPassword,
            AuthScope.AppPassPrivileged => Pds.Domain.OAuth.ScopePermissions.AppPasswordPrivileged,
            _ => Pds.Domain.OAuth.ScopePermissions.FullAccess,
        };

    private Pds.Domain.OAuth.ScopePermissions? _permissions;

    /// <summary>Refuses with 403 naming the missing permission.</summary>
    public static Errors.XrpcException MissingScope(string scope) =>
        new(403, "InsufficientScope", $"Missing required scope \"{scope}\"");

    public bool IsAppPassword => Scope is AuthScope.AppPass or AuthScope.AppPassPrivileged;

    public string RequireDid() => Did ?? throw new InvalidOperationException("The credentials name no account.");
}
