using Mediator;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;
using Pds.Domain.Auth;
using Pds.Domain.Syntax;

namespace Pds.Application.Server.Queries.GetServiceAuth;

/// <summary>com.atproto.server.getServiceAuth: a service-auth JWT signed with the account's repo key.</summary>
public sealed record GetServiceAuthQuery(string Aud, long? Exp = null, string? Lxm = null) : IQuery<GetServiceAuthOutput>;

public sealed record GetServiceAuthOutput(string Token);

/// <summary>
/// Issues a token for <c>aud</c>. Expiry defaults to 60 seconds and may be at most an hour ahead;
/// a token without <c>lxm</c> (usable for any method) needs a full-access session and a short
/// expiry, and app-password sessions may not mint tokens for methods they could not call here.
/// </summary>
public sealed class GetServiceAuthHandler(IRequestContext request, IRepoKeyStore keys, TimeProvider clock)
    : IQueryHandler<GetServiceAuthQuery, GetServiceAuthOutput>
{
    // Methods no session but a full one may obtain tokens for, as in the reference PDS.
    private static readonly HashSet<string> PrivilegedMethods = new(StringComparer.Ordinal)
    {
        "com.atproto.server.createAccount",
        "com.atproto.identity.signPlcOperation",
        "com.atproto.identity.submitPlcOperation",
        "com.atproto.identity.requestPlcOperationSignature",
        "com.atproto.server.activateAccount",
        "com.atproto.server.deactivateAccount",
        "com.atproto.server.deleteAccount",
        "com.atproto.server.requestAccountDelete",
        "com.atproto.server.createAppPassword",
        "com.atproto.server.revokeAppPassword",
        "com.atproto.server.updateEmail",
        "com.atproto.server.requestEmailUpdate",
        "com.atproto.server.getServiceAuth",
    };

    public async ValueTask<GetServiceAuthOutput> Handle(GetServiceAuthQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var credentials = request.Credentials!;
        var did = credentials.RequireDid();
        if (!Did.TryParse(query.Aud, out _) && !IsDidWithService(query.Aud))
        {
            throw XrpcException.InvalidRequest("aud must be a DID");
        }

        if (query.Lxm is { } lxm && !Nsid.IsValid(lxm))
        {
            throw XrpcException.InvalidRequest("lxm must be an NSID");
        }

        var now = clock.GetUtcNow();
        DateTimeOffset? expiresAt = null;
        if (query.Exp is { } exp)
        {
            expiresAt = DateTimeOffset.FromUnixTimeSeconds(exp);
            var lifetime = expiresAt.Value - now;
            if (lifetime <= TimeSpan.Zero)
            {
                throw new XrpcException(400, "BadExpiration", "expiration is in past");
            }

            if (lifetime > ServiceAuthJwt.MaxLifetime)
            {
                throw new XrpcException(400, "BadExpiration", "cannot request a token with an expiration more than an hour in the future");
            }

            if (query.Lxm is null && lifetime > TimeSpan.FromMinutes(1))
            {
                throw new XrpcException(400, "BadExpiration", "cannot request a method-less token with an expiration more than a minute in the future");
            }
        }

        if (query.Lxm is null && credentials.Scope != AuthScope.Access)
        {
            throw new XrpcException(400, XrpcErrorNames.InvalidRequest, "Only full-access sessions may request a token without a method (lxm)");
        }

        if (query.Lxm is { } method && PrivilegedMethods.Contains(method) && credentials.Scope != AuthScope.Access)
        {
            throw new XrpcException(400, XrpcErrorNames.InvalidRequest, $"Cannot request a token for {method} with an app password");
        }

        if (credentials.IsOAuth)
        {
            var lxmOrAny = query.Lxm ?? "*";
            if (!credentials.Permissions.AllowsRpc(query.Aud, lxmOrAny))
            {
                throw AuthCredentials.MissingScope(Domain.OAuth.ScopePermissions.RpcScope(query.Aud, lxmOrAny));
            }
        }

        using var key = await keys.GetAsync(did, cancellationToken).ConfigureAwait(false)
            ?? throw XrpcException.InvalidRequest("The account has no signing key");
        var token = ServiceAuthJwt.Create(key, did, query.Aud, query.Lxm, expiresAt, clock);
        return new GetServiceAuthOutput(token);
    }

    private static bool IsDidWithService(string aud)
    {
        var hash = aud.IndexOf('#', StringComparison.Ordinal);
        return hash > 0 && Did.TryParse(aud[..hash], out _) && hash < aud.Length - 1;
    }
}
