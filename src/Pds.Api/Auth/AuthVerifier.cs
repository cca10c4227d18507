using System.Text;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Application.Common.Errors;
using Pds.Domain.Auth;

namespace Pds.Api.Auth;

/// <summary>
/// Checks the <c>Authorization</c> header of an XRPC request against the method's
/// <see cref="AuthRequirement"/> and records the verified credentials in the request context.
/// Errors follow the reference PDS: a missing header is 401 <c>AuthenticationRequired</c>; a bad or
/// expired bearer token is 400 <c>InvalidToken</c> / <c>ExpiredToken</c> (clients refresh on the latter).
/// </summary>
internal sealed class AuthVerifier(
    SessionTokens tokens,
    PdsOptions options,
    IAccountStore accounts,
    RequestContext context,
    TimeProvider clock)
{
    public async Task AuthenticateAsync(HttpContext http, AuthRequirement requirement, string nsid)
    {
        var header = http.Request.Headers.Authorization.ToString();
        switch (requirement.Mode)
        {
            case AuthMode.Admin:
                context.Credentials = VerifyAdmin(header);
                return;
            case AuthMode.Refresh:
                context.Credentials = VerifyRefresh(header);
                return;
            case AuthMode.OptionalAccess when header.Length == 0:
                return;
            case AuthMode.OptionalAccess:
                context.Credentials = await VerifyAccessAsync(http, header, requirement, http.RequestAborted).ConfigureAwait(false);
                return;
            case AuthMode.OptionalService when header.Length == 0:
                return;
            case AuthMode.OptionalService:
                context.Credentials = await VerifyServiceAsync(http, header, nsid).ConfigureAwait(false);
                return;
            default:
                context.Credentials = await VerifyAccessAsync(http, header, requirement, http.RequestAborted).ConfigureAwait(false);
                return;
        }
    }

    private async Task<AuthCredentials> VerifyAccessAsync(HttpContext http, string header, AuthRequirement requirement, CancellationToken cancellationToken)
    {
        if (header.StartsWith("DPoP ", StringComparison.OrdinalIgnoreCase))
        {
            return await VerifyOAuthAsync(http, header["DPoP ".Length..].Trim(), requirement, cancellationToken).ConfigureAwait(false);
        }

        var token = BearerToken(header);
        if (Pds.Application.OAuth.OAuthAccessTokens.LooksLikeAccessToken(token))
        {
            throw new XrpcException(400, XrpcErrorNames.InvalidToken, "OAuth access tokens must be sent with the DPoP authorization scheme");
        }

        var result = tokens.VerifyAccessToken(token);
        if (!result.IsValid)
        {
            throw TokenError(result.Failure);
        }

        var claims = result.Claims!;
        var scopes = requirement.CheckTakedown ? requirement.Scopes.Where(s => s != AuthScope.Takendown).ToHashSet() : requirement.Scopes;
        if (!scopes.Contains(claims.Scope))
        {
            throw new XrpcException(400, XrpcErrorNames.InvalidToken, "Bad token scope");
        }

        var did = claims.Subject.ToString();
        await CheckAccountAsync(did, requirement, cancellationToken).ConfigureAwait(false);
        return new AuthCredentials(AuthKind.Access, did, claims.Scope, null, claims.ExpiresAt);
    }

    /// <summary>
    /// <c>Authorization: DPoP &lt;token&gt;</c>: an OAuth access token with its proof of possession.
    /// Failures answer 401 with a <c>WWW-Authenticate: DPoP</c> challenge, and every answer carries
    /// the current DPoP nonce, as the atproto OAuth profile asks of resource servers.
    /// </summary>
    private async Task<AuthCredentials> VerifyOAuthAsync(HttpContext http, string token, AuthRequirement requirement, CancellationToken cancellationToken)
    {
        var provider = http.RequestServices.GetRequiredService<Pds.Application.OAuth.OAuthProvider>();
        var nonce = provider.CurrentNonce;
        string? challenge = null;
        http.Response.OnStarting(() =>
        {
            http.Response.Headers["DPoP-Nonce"] = nonce;
            if (challenge is not null)
            {
                http.Response.Headers.WWWAuthenticate = challenge;
            }

            return Task.CompletedTask;
        });

        var url = new Uri(options.Service.PublicUrl.GetLeftPart(UriPartial.Authority) + http.Request.PathBase + http.Request.Path);
        Pds.Application.OAuth.OAuthSession session;
        try
        {
            (session, _) = await provider.VerifyResourceRequestAsync(token, http.Request.Method, url, http.Request.Headers["DPoP"].ToString() is { Length: > 0 } p ? p : null, cancellationToken).ConfigureAwait(false);
        }
        catch (Pds.Application.OAuth.OAuthException e)
        {
            challenge = $"DPoP algs=\"ES256 ES256K\", error=\"{e.Error}\", error_description=\"{e.Message.Replace("\"", "'", StringComparison.Ordinal)}\"";
            throw new XrpcException(401, e.Error, e.Message);
        }

        var scopes = session.Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (!scopes.Contains("atproto"))
        {
            throw new XrpcException(403, "InsufficientScope", "Missing required scope \"atproto\"");
        }

        // The legacy scope the token stands in for; granular permissions are checked by each method.
        var legacy = scopes.Contains("transition:chat.bsky") && scopes.Contains("transition:generic") ? AuthScope.AppPassPrivileged : AuthScope.AppPass;
        if (requirement.OAuthPermission is { } needed)
        {
            if (!needed.Allows(Pds.Domain.OAuth.ScopePermissions.Parse(session.Scope)))
            {
                throw AuthCredentials.MissingScope(needed.Scope);
            }
        }
        else if (!requirement.Scopes.Contains(legacy) && !(legacy == AuthScope.AppPassPrivileged && requirement.Scopes.Contains(AuthScope.AppPass)))
        {
            throw new XrpcException(403, "InsufficientScope", "This method cannot be called with an OAuth token of this scope");
        }

        await CheckAccountAsync(session.Did, requirement, cancellationToken).ConfigureAwait(false);
        return new AuthCredentials(AuthKind.Access, session.Did, legacy, session.TokenId, new DateTimeOffset(session.AccessExpiresAt, TimeSpan.Zero))
        {
            OAuthScope = session.Scope,
            OAuthClientId = session.ClientId,
        };
    }

    private async Task CheckAccountAsync(string did, AuthRequirement requirement, CancellationToken cancellationToken)
    {
        if (requirement.CheckTakedown || requirement.CheckDeactivated)
        {
            var account = await accounts.GetByDidAsync(did, cancellationToken).ConfigureAwait(false)
                ?? throw new XrpcException(403, "AccountNotFound", "Account not found");
            if (requirement.CheckTakedown && account.IsTakendown)
            {
                throw new XrpcException(401, "AccountTakedown", "Account has been taken down");
            }

            if (requirement.CheckDeactivated && account.IsDeactivated)
            {
                throw new XrpcException(401, "AccountDeactivated", "Account is deactivated");
            }
        }
    }

    private AuthCredentials VerifyRefresh(string header)
    {
        var result = tokens.VerifyRefreshToken(BearerToken(header));
        if (!result.IsValid)
        {
            throw TokenError(result.Failure);
        }

        var claims = result.Claims!;
        return new AuthCredentials(AuthKind.Refresh, claims.Subject.ToString(), claims.Scope, claims.TokenId, claims.ExpiresAt);
    }

    private AuthCredentials VerifyAdmin(string header)
    {
        const string prefix = "Basic ";
        if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            throw new XrpcException(401, XrpcErrorNames.AuthenticationRequired, "Authentication Required");
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[prefix.Length..].Trim()));
        }
        catch (FormatException)
        {
            throw new XrpcException(401, XrpcErrorNames.AuthenticationRequired, "Invalid authorization header");
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        var user = colon < 0 ? decoded : decoded[..colon];
        var password = colon < 0 ? string.Empty : decoded[(colon + 1)..];
        // Both parts are compared every time, in constant time, so timing reveals neither.
        var userOk = ConstantTime.SecretEquals(user, "admin");
        var passwordOk = ConstantTime.SecretEquals(password, options.Secrets.AdminPassword);
        if (!(userOk & passwordOk))
        {
            throw new XrpcException(401, XrpcErrorNames.AuthenticationRequired, "Authentication Required");
        }

        return new AuthCredentials(AuthKind.Admin, null, default);
    }

    private async Task<AuthCredentials> VerifyServiceAsync(HttpContext http, string header, string nsid)
    {
        var token = BearerToken(header);
        if (!ServiceAuthJwt.TryDecode(token, out var decoded, out var failure))
        {
            throw new XrpcException(401, XrpcErrorNames.AuthenticationRequired, "jwt could not be decoded: " + failure);
        }

        if (decoded.Claims.SigningKeyId != "atproto")
        {
            throw new XrpcException(401, XrpcErrorNames.AuthenticationRequired, "jwt signed with an unsupported key");
        }

        var resolver = http.RequestServices.GetRequiredService<IDidResolver>();
        var issuer = decoded.Claims.IssuerDid.ToString();
        ResolvedDid? resolved;
        try
        {
            resolved = await resolver.ResolveAsync(issuer, cancellationToken: http.RequestAborted).ConfigureAwait(false);
        }
        catch (IdentityResolutionException)
        {
            resolved = null;
        }

        var signingKey = resolved?.Document.GetSigningKey()
            ?? throw new XrpcException(401, XrpcErrorNames.AuthenticationRequired, "could not resolve iss did");
        var expectations = new ServiceJwtExpectations([options.Service.Did], nsid);
        var verified = ServiceAuthJwt.Verify(token, signingKey, expectations, clock);
        if (!verified.IsValid && verified.Failure == JwtFailure.BadSignature)
        {
            // The key may have rotated since the document was cached: resolve afresh once.
            var fresh = await resolver.ResolveAsync(issuer, forceRefresh: true, http.RequestAborted).ConfigureAwait(false);
            if (fresh?.Document.GetSigningKey() is { } freshKey && freshKey != signingKey)
            {
                verified = ServiceAuthJwt.Verify(token, freshKey, expectations, clock);
            }
        }

        if (!verified.IsValid)
        {
            throw new XrpcException(401, XrpcErrorNames.AuthenticationRequired, ServiceFailureMessage(verified.Failure));
        }

        return new AuthCredentials(AuthKind.Service, issuer, default, verified.Claims!.TokenId, verified.Claims.ExpiresAt);
    }

    private static string ServiceFailureMessage(JwtFailure failure) => failure switch
    {
        JwtFailure.Expired => "jwt expired",
        JwtFailure.BadAudience => "jwt audience does not match service did",
        JwtFailure.BadLexiconMethod => "bad jwt lexicon method (\"lxm\")",
        JwtFailure.BadSignature => "jwt signature does not match jwt issuer",
        _ => "jwt could not be verified",
    };

    private static string BearerToken(string header)
    {
        if (header.Length == 0)
        {
            throw new XrpcException(401, XrpcErrorNames.AuthenticationRequired, "Authentication Required");
        }

        const string prefix = "Bearer ";
        if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            throw new XrpcException(400, XrpcErrorNames.InvalidToken, "Unexpected authorization type");
        }

        return header[prefix.Length..].Trim();
    }

    private static XrpcException TokenError(JwtFailure failure) => failure switch
    {
        JwtFailure.Expired => new XrpcException(400, XrpcErrorNames.ExpiredToken, "Token has expired"),
        JwtFailure.BadScope => new XrpcException(400, XrpcErrorNames.InvalidToken, "Bad token scope"),
        JwtFailure.Malformed or JwtFailure.BadSubject or JwtFailure.UnexpectedClaim or JwtFailure.MissingClaim =>
            new XrpcException(400, XrpcErrorNames.InvalidToken, "Malformed token"),
        _ => new XrpcException(400, XrpcErrorNames.InvalidToken, "Token could not be verified"),
    };
}

internal static class AuthEndpointExtensions
{
    /// <summary>Authenticates the caller before the method runs.</summary>
    public static RouteHandlerBuilder RequireAuth(this RouteHandlerBuilder builder, AuthRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddEndpointFilter(async (invocation, next) =>
        {
            var http = invocation.HttpContext;
            var nsid = http.Request.Path.Value is { } path && path.StartsWith("/xrpc/", StringComparison.Ordinal) ? path[6..] : string.Empty;
            await http.RequestServices.GetRequiredService<AuthVerifier>().AuthenticateAsync(http, requirement, nsid).ConfigureAwait(false);
            return await next(invocation).ConfigureAwait(false);
        });
    }
}
