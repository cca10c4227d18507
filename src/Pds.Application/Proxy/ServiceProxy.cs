using System.Collections.Frozen;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Application.Common.Errors;
using Pds.Application.Identity;
using Pds.Application.Repo;
using Pds.Domain.Auth;
using Pds.Domain.Syntax;

namespace Pds.Application.Proxy;

/// <summary>Where a proxied call goes: the service's base URL and the audience its service-auth token names.</summary>
public sealed record ProxyTarget(Uri Endpoint, string Aud);

/// <summary>The reference PDS's rules for which methods may be proxied, and by whom.</summary>
public static class ServiceProxyPolicy
{
    public const string DefaultAppViewDid = "did:web:api.bsky.app";

    /// <summary>Account management that must be called on the PDS itself: never proxied.</summary>
    public static readonly FrozenSet<string> ProtectedMethods = new[]
    {
        "com.atproto.admin.sendEmail",
        "com.atproto.identity.requestPlcOperationSignature",
        "com.atproto.identity.signPlcOperation",
        "com.atproto.identity.updateHandle",
        "com.atproto.server.activateAccount",
        "com.atproto.server.confirmEmail",
        "com.atproto.server.createAppPassword",
        "com.atproto.server.deactivateAccount",
        "com.atproto.server.getAccountInviteCodes",
        "com.atproto.server.getSession",
        "com.atproto.server.listAppPasswords",
        "com.atproto.server.requestAccountDelete",
        "com.atproto.server.requestEmailConfirmation",
        "com.atproto.server.requestEmailUpdate",
        "com.atproto.server.revokeAppPassword",
        "com.atproto.server.updateEmail",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Methods an app password reaches only when it is privileged (direct messages, account creation).</summary>
    public static readonly FrozenSet<string> PrivilegedMethods = new[]
    {
        "chat.bsky.actor.deleteAccount",
        "chat.bsky.actor.exportAccountData",
        "chat.bsky.convo.deleteMessageForSelf",
        "chat.bsky.convo.getConvo",
        "chat.bsky.convo.getConvoForMembers",
        "chat.bsky.convo.getLog",
        "chat.bsky.convo.getMessages",
        "chat.bsky.convo.leaveConvo",
        "chat.bsky.convo.listConvos",
        "chat.bsky.convo.muteConvo",
        "chat.bsky.convo.sendMessage",
        "chat.bsky.convo.sendMessageBatch",
        "chat.bsky.convo.unmuteConvo",
        "chat.bsky.convo.updateRead",
        "com.atproto.server.createAccount",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Refuses a method the caller may not reach through the proxy.</summary>
    public static void CheckAllowed(string lxm, AuthCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        if (ProtectedMethods.Contains(lxm))
        {
            throw new XrpcException(400, XrpcErrorNames.InvalidToken, "Bad token method");
        }

        if (PrivilegedMethods.Contains(lxm) && credentials.Scope == AuthScope.AppPass && !credentials.IsOAuth)
        {
            throw new XrpcException(400, XrpcErrorNames.InvalidToken, "Bad token method");
        }
    }
}

/// <summary>
/// Resolves the <c>atproto-proxy</c> header (<c>did#service_id</c>) to the service endpoint in that
/// DID's document; without the header, <c>app.bsky.*</c> goes to the configured AppView and
/// anything else has no target.
/// </summary>
public sealed class ServiceProxyResolver(IDidResolver dids, PdsOptions options)
{
    /// <summary>
    /// app.bsky.notification.registerPush: the body's <c>serviceDid</c> is the audience; the AppView
    /// when it is the configured one, otherwise that DID's <c>#bsky_notif</c> service.
    /// </summary>
    public async Task<ProxyTarget> ResolvePushServiceAsync(ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        string? serviceDid;
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(body);
            serviceDid = document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && document.RootElement.TryGetProperty("serviceDid", out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String
                ? value.GetString()
                : null;
        }
        catch (System.Text.Json.JsonException)
        {
            throw XrpcException.InvalidRequest("Invalid JSON body");
        }

        if (serviceDid is null || !Did.TryParse(serviceDid, out _))
        {
            throw XrpcException.InvalidRequest("serviceDid must be a DID");
        }

        if (serviceDid == (options.Service.BskyAppViewDid ?? ServiceProxyPolicy.DefaultAppViewDid) && options.Service.BskyAppViewUrl is { } appView)
        {
            return new ProxyTarget(appView, serviceDid);
        }

        var target = await ResolveAsync(serviceDid + "#bsky_notif", "app.bsky.notification.registerPush", cancellationToken).ConfigureAwait(false);
        return target with { Aud = serviceDid };
    }

    public async Task<ProxyTarget> ResolveAsync(string? header, string lxm, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(header))
        {
            if (lxm.StartsWith("app.bsky.", StringComparison.Ordinal) && options.Service.BskyAppViewUrl is { } appView)
            {
                return new ProxyTarget(appView, (options.Service.BskyAppViewDid ?? ServiceProxyPolicy.DefaultAppViewDid) + "#bsky_appview");
            }

            throw XrpcException.InvalidRequest($"No service configured for {lxm}");
        }

        var hash = header.IndexOf('#', StringComparison.Ordinal);
        if (hash == 0)
        {
            throw XrpcException.InvalidRequest("no did specified in proxy header");
        }

        if (hash < 0 || hash == header.Length - 1)
        {
            throw XrpcException.InvalidRequest("no service id specified in proxy header");
        }

        if (header.IndexOf('#', hash + 1) >= 0)
        {
            throw XrpcException.InvalidRequest("invalid proxy header format");
        }

        if (header.Contains(' ', StringComparison.Ordinal))
        {
            throw XrpcException.InvalidRequest("proxy header cannot contain spaces");
        }

        var did = header[..hash];
        if (!Did.TryParse(did, out _))
        {
            throw XrpcException.InvalidRequest("could not resolve proxy did");
        }

        ResolvedDid? resolved;
        try
        {
            resolved = await dids.ResolveAsync(did, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (IdentityResolutionException)
        {
            resolved = null;
        }

        var fragment = header[(hash + 1)..];
        var endpoint = resolved?.Document.FindService(fragment)?.ServiceEndpoint;
        if (resolved is null)
        {
            throw XrpcException.InvalidRequest("could not resolve proxy did");
        }

        if (endpoint is null || !Uri.TryCreate(endpoint, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http"))
        {
            throw XrpcException.InvalidRequest("could not resolve proxy did service url");
        }

        return new ProxyTarget(url, header);
    }
}

/// <summary>Mints the short-lived service-auth token a proxied call carries, signed by the user's repo key.</summary>
public sealed class ProxyServiceAuth(IRepoKeyStore keys, RepoSigningKeyCache keyCache, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    public async Task<string> IssueAsync(string did, string aud, string lxm, CancellationToken cancellationToken)
    {
        var key = await keyCache.GetAsync(did, keys, cancellationToken).ConfigureAwait(false);
        return ServiceAuthJwt.Create(key, did, aud, lxm, clock.GetUtcNow() + Lifetime, clock);
    }
}
