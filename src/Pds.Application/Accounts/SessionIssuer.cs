using Pds.Application.Common.Abstractions;
using Pds.Domain.Auth;
using Pds.Domain.Syntax;

namespace Pds.Application.Accounts;

/// <summary>A new access/refresh token pair.</summary>
public sealed record SessionTokensPair(string AccessJwt, string RefreshJwt);

/// <summary>
/// Opens sessions: signs an access and a refresh token and records the refresh token's id (never
/// the token), tied to the app password that opened the session, if any.
/// </summary>
public sealed class SessionIssuer(SessionTokens tokens, IRefreshTokenStore refreshTokens)
{
    public async Task<SessionTokensPair> IssueAsync(
        string did,
        AuthScope scope,
        string? appPasswordName,
        string? refreshTokenId = null,
        CancellationToken cancellationToken = default)
    {
        var subject = Did.Parse(did);
        var access = tokens.CreateAccessToken(subject, scope);
        var refresh = tokens.CreateRefreshToken(subject, refreshTokenId);
        await refreshTokens.StoreAsync(
            new RefreshTokenInfo(refresh.Claims.TokenId!, did, appPasswordName, refresh.Claims.ExpiresAt.UtcDateTime, null),
            cancellationToken).ConfigureAwait(false);
        return new SessionTokensPair(access.Jwt, refresh.Jwt);
    }

    /// <summary>The access-token scope of a session opened with an app password (or the account password when null).</summary>
    public static AuthScope ScopeFor(AppPasswordInfo? appPassword) => appPassword switch
    {
        null => AuthScope.Access,
        { Privileged: true } => AuthScope.AppPassPrivileged,
        _ => AuthScope.AppPass,
    };
}
