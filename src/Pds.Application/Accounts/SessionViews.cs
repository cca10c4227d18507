using System.Text.Json;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;

namespace Pds.Application.Accounts;

/// <summary>The account fields every session response carries, and the optional DID document.</summary>
public sealed class SessionViews(PdsOptions options, IDidResolver didResolver)
{
    public const string InvalidHandle = "handle.invalid";

    /// <summary>The DID document to return with a session, when the server is configured to (PDS_ENABLE_DID_DOC_WITH_SESSION).</summary>
    public async Task<JsonElement?> DidDocForSessionAsync(string did, CancellationToken cancellationToken)
    {
        if (!options.Identity.EnableDidDocWithSession)
        {
            return null;
        }

        try
        {
            var resolved = await didResolver.ResolveAsync(did, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (resolved is null)
            {
                return null;
            }

            using var parsed = JsonDocument.Parse(resolved.Json);
            return parsed.RootElement.Clone();
        }
        catch (IdentityResolutionException)
        {
            return null;
        }
    }

    public static string HandleOf(AccountInfo account) => account?.Handle ?? InvalidHandle;
}
