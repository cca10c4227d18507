using Pds.Application.Common.Configuration;
using Pds.Domain.Identity;

namespace Pds.Application.Accounts;

/// <summary>
/// did:web identities this server hosts: <c>did:web:&lt;handle&gt;</c> for a handle under one of the
/// service domains, whose document the server serves at <c>https://&lt;handle&gt;/.well-known/did.json</c>.
/// </summary>
public static class HostedDidWeb
{
    public const string Prefix = "did:web:";

    /// <summary>The host a did:web document lives on (<c>%3A</c> decoded to the port separator); null for other DIDs or paths.</summary>
    public static string? HostOf(string did)
    {
        if (!did.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var id = did[Prefix.Length..];
        return id.Contains(':', StringComparison.Ordinal) ? null : id.Replace("%3A", ":", StringComparison.OrdinalIgnoreCase).ToLowerInvariant();
    }

    public static bool IsHostedCandidate(string did, string handle) =>
        string.Equals(HostOf(did), handle, StringComparison.Ordinal);

    public static DidDocument Build(string did, string? handle, string signingDidKey, PdsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var data = new PlcData(
            did,
            [],
            new Dictionary<string, string> { [PlcOperation.AtprotoVerificationMethod] = signingDidKey },
            handle is null ? [] : ["at://" + handle],
            new Dictionary<string, PlcService>
            {
                [PlcOperation.AtprotoPdsService] = new(PlcOperation.AtprotoPdsServiceType, options.Service.PublicUrl.GetLeftPart(UriPartial.Authority)),
            });
        return DidDocument.FromPlcData(data);
    }
}
