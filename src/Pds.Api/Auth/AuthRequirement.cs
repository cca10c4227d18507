using Pds.Domain.Auth;

namespace Pds.Api.Auth;

/// <summary>How an XRPC method authenticates its caller (the reference PDS's auth verifiers).</summary>
internal enum AuthMode
{
    /// <summary>A session access token whose scope is one of <see cref="AuthRequirement.Scopes"/>.</summary>
    Access,

    /// <summary>A session refresh token.</summary>
    Refresh,

    /// <summary>HTTP Basic as <c>admin</c> with the admin password.</summary>
    Admin,

    /// <summary>Checks an access token when one is sent; anonymous callers pass.</summary>
    OptionalAccess,

    /// <summary>Checks a service-auth JWT (signed by the issuer's repo key, <c>lxm</c> = this method) when one is sent.</summary>
    OptionalService,
}

internal sealed record AuthRequirement(AuthMode Mode, IReadOnlySet<AuthScope> Scopes, bool CheckTakedown = false, bool CheckDeactivated = false)
{
    /// <summary>
    /// For OAuth tokens: the permission this method needs (checked instead of the legacy level), and
    /// the scope string named when it is missing. Null: the token's legacy level must suffice.
    /// </summary>
    public (Func<Pds.Domain.OAuth.ScopePermissions, bool> Allows, string Scope)? OAuthPermission { get; init; }

    private static readonly HashSet<AuthScope> StandardScopes = [AuthScope.Access, AuthScope.AppPass, AuthScope.AppPassPrivileged];

    /// <summary>Password or app-password sessions.</summary>
    public static AuthRequirement Standard { get; } = new(AuthMode.Access, StandardScopes);

    /// <summary>Password sessions only (managing app passwords, email, account deletion ...).</summary>
    public static AuthRequirement Full { get; } = new(AuthMode.Access, new HashSet<AuthScope> { AuthScope.Access });

    /// <summary>Password sessions and privileged app passwords.</summary>
    public static AuthRequirement Privileged { get; } = new(AuthMode.Access, new HashSet<AuthScope> { AuthScope.Access, AuthScope.AppPassPrivileged });

    public static AuthRequirement RefreshToken { get; } = new(AuthMode.Refresh, new HashSet<AuthScope> { AuthScope.Refresh });

    public static AuthRequirement AdminToken { get; } = new(AuthMode.Admin, new HashSet<AuthScope>());

    public static AuthRequirement Optional { get; } = new(AuthMode.OptionalAccess, StandardScopes);

    public static AuthRequirement ServiceOptional { get; } = new(AuthMode.OptionalService, new HashSet<AuthScope>());

    /// <summary>Also admits sessions of taken-down or queued accounts (getSession, deleteSession ...).</summary>
    public AuthRequirement WithAdditional(params AuthScope[] scopes) =>
        this with { Scopes = new HashSet<AuthScope>(Scopes.Concat(scopes)) };

    /// <summary>OAuth tokens may call this method with the given permission (account and identity management).</summary>
    public AuthRequirement WithOAuth(Func<Pds.Domain.OAuth.ScopePermissions, bool> allows, string scope) =>
        this with { OAuthPermission = (allows, scope) };

    public static Func<Pds.Domain.OAuth.ScopePermissions, bool> ManageEmail { get; } = p => p.AllowsAccount("email", manage: true);

    /// <summary>Refuses taken-down and deactivated accounts (checked against the database).</summary>
    public AuthRequirement Active() => this with { CheckTakedown = true, CheckDeactivated = true };
}
