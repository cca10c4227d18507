using Mediator;
using Pds.Api.Auth;
using Pds.Application.Bsky.Actor.Commands.PutPreferences;
using Pds.Application.Bsky.Actor.Queries.GetPreferences;
using Pds.Application.Common.Configuration;
using Pds.Application.Proxy;

namespace Pds.Api.Xrpc;

/// <summary>The app.bsky.* methods the PDS answers itself; the rest go to the AppView through the proxy.</summary>
internal static class AppBsky
{
    public static void MapAppBsky(this IEndpointRouteBuilder x)
    {
        // An OAuth client needs the permission to call these at the AppView, as it would if they were proxied.
        var options = x.ServiceProvider.GetRequiredService<PdsOptions>();
        var aud = (options.Service.BskyAppViewDid ?? ServiceProxyPolicy.DefaultAppViewDid) + "#bsky_appview";
        AuthRequirement Preferences(string lxm) => (AuthRequirement.Standard with { CheckTakedown = true })
            .WithOAuth(p => p.AllowsRpc(aud, lxm), Pds.Domain.OAuth.ScopePermissions.RpcScope(aud, lxm));

        x.Query<GetPreferencesQuery, GetPreferencesOutput>("app.bsky.actor.getPreferences")
            .RequireAuth(Preferences("app.bsky.actor.getPreferences"));
        x.Procedure<PutPreferencesCommand, Unit>("app.bsky.actor.putPreferences")
            .RequireAuth(Preferences("app.bsky.actor.putPreferences"));
    }
}
