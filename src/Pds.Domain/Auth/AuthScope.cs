namespace Pds.Domain.Auth;

/// <summary>The <c>scope</c> claim values of the session tokens the PDS issues with its own secret.</summary>
public enum AuthScope
{
    /// <summary><c>com.atproto.access</c>: full access with the account password.</summary>
    Access = 1,

    /// <summary><c>com.atproto.refresh</c>: refresh tokens only.</summary>
    Refresh,

    /// <summary><c>com.atproto.appPass</c>: session opened with an app password.</summary>
    AppPass,

    /// <summary><c>com.atproto.appPassPrivileged</c>: app password allowed to use privileged methods (DMs).</summary>
    AppPassPrivileged,

    /// <summary><c>com.atproto.signupQueued</c>: account waiting for activation.</summary>
    SignupQueued,

    /// <summary><c>com.atproto.takendown</c>: session of a taken-down account, allowed only a few methods.</summary>
    Takendown,
}

/// <summary>Wire names of <see cref="AuthScope"/>.</summary>
public static class AuthScopes
{
    public const string Access = "com.atproto.access";
    public const string Refresh = "com.atproto.refresh";
    public const string AppPass = "com.atproto.appPass";
    public const string AppPassPrivileged = "com.atproto.appPassPrivileged";
    public const string SignupQueued = "com.atproto.signupQueued";
    public const string Takendown = "com.atproto.takendown";

    public static string ToWireName(this AuthScope scope) => scope switch
    {
        AuthScope.Access => Access,
        AuthScope.Refresh => Refresh,
        AuthScope.AppPass => AppPass,
        AuthScope.AppPassPrivileged => AppPassPrivileged,
        AuthScope.SignupQueued => SignupQueued,
        AuthScope.Takendown => Takendown,
        _ => throw new ArgumentOutOfRangeException(nameof(scope)),
    };

    public static bool TryParse(string? value, out AuthScope scope)
    {
        scope = value switch
        {
            Access => AuthScope.Access,
            Refresh => AuthScope.Refresh,
            AppPass => AuthScope.AppPass,
            AppPassPrivileged => AuthScope.AppPassPrivileged,
            SignupQueued => AuthScope.SignupQueued,
            Takendown => AuthScope.Takendown,
            _ => default,
        };
        return scope != default;
    }

    /// <summary>Scopes with full account access: only <see cref="AuthScope.Access"/>.</summary>
    public static bool IsFullAccess(this AuthScope scope) => scope == AuthScope.Access;

    /// <summary>Scopes that may call privileged methods: full access or a privileged app password.</summary>
    public static bool IsPrivileged(this AuthScope scope) =>
        scope is AuthScope.Access or AuthScope.AppPassPrivileged;

    /// <summary>Scopes accepted by ordinary authenticated methods: full access or any app password.</summary>
    public static bool IsStandard(this AuthScope scope) =>
        scope is AuthScope.Access or AuthScope.AppPassPrivileged or AuthScope.AppPass;
}
