using System.Text;
using Pds.Application.Accounts;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;

namespace Pds.Api.WellKnown;

/// <summary>
/// Identity documents served by host name: <c>/.well-known/atproto-did</c> proves a handle hosted
/// here (the request's host is the handle), and <c>/.well-known/did.json</c> is the document of a
/// <c>did:web</c> hosted here.
/// </summary>
internal static class IdentityWellKnown
{
    public static void MapIdentityWellKnown(this IEndpointRouteBuilder app)
    {
        app.MapGet("/.well-known/atproto-did", async (HttpContext context, IAccountStore accounts, PdsOptions options) =>
        {
            var host = context.Request.Host.Host.ToLowerInvariant();
            if (!options.Identity.ServiceHandleDomains.Any(d => host.EndsWith(d, StringComparison.Ordinal)))
            {
                return NotFound("User not found");
            }

            var account = await accounts.GetByHandleAsync(host, context.RequestAborted).ConfigureAwait(false);
            return account is null || account.IsTakendown
                ? NotFound("User not found")
                : Results.Text(account.Did, "text/plain", Encoding.UTF8);
        });

        app.MapGet("/.well-known/did.json", async (HttpContext context, IAccountStore accounts, IRepoKeyStore keys, PdsOptions options) =>
        {
            var hostWithPort = context.Request.Host.Value?.ToLowerInvariant() ?? string.Empty;
            var did = HostedDidWeb.Prefix + hostWithPort.Replace(":", "%3A", StringComparison.Ordinal);
            var account = await accounts.GetByDidAsync(did, context.RequestAborted).ConfigureAwait(false);
            if (account is null || account.IsTakendown)
            {
                return NotFound("DID not found");
            }

            using var key = await keys.GetAsync(did, context.RequestAborted).ConfigureAwait(false);
            return key is null
                ? NotFound("DID not found")
                : Results.Text(HostedDidWeb.Build(did, account.Handle, key.DidKey(), options).ToJson(), "application/did+ld+json", Encoding.UTF8);
        });
    }

    private static IResult NotFound(string message) =>
        Results.Json(new { error = "NotFound", message }, statusCode: StatusCodes.Status404NotFound);
}
