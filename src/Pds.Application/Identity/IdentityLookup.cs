using System.Text.Json;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;
using Pds.Domain.Syntax;

namespace Pds.Application.Identity;

/// <summary>The <c>com.atproto.identity.defs#identityInfo</c> shape.</summary>
public sealed record IdentityInfo(string Did, string Handle, JsonElement DidDoc);

/// <summary>
/// Handle and DID resolution shared by the identity methods: local accounts first, then the
/// network; identities are verified both ways (the DID document must claim the handle).
/// </summary>
public sealed class IdentityLookup(IAccountStore accounts, IHandleResolver handles, IDidResolver dids)
{
    public const string InvalidHandle = "handle.invalid";

    /// <summary>The DID a handle points to, or null.</summary>
    public async Task<string?> ResolveHandleAsync(string handle, CancellationToken cancellationToken)
    {
        var normalized = handle.ToLowerInvariant();
        var local = await accounts.GetByHandleAsync(normalized, cancellationToken).ConfigureAwait(false);
        if (local is not null)
        {
            return local.Did;
        }

        try
        {
            return await handles.ResolveAsync(normalized, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (IdentityResolutionException)
        {
            return null;
        }
    }

    public async Task<ResolvedDid> ResolveDidAsync(string did, bool forceRefresh, CancellationToken cancellationToken)
    {
        ResolvedDid? resolved;
        try
        {
            resolved = await dids.ResolveAsync(did, forceRefresh, cancellationToken).ConfigureAwait(false);
        }
        catch (IdentityResolutionException e)
        {
            throw new XrpcException(400, "DidNotFound", $"Could not resolve DID: {e.Message}");
        }

        return resolved ?? throw new XrpcException(400, "DidNotFound", "DID not found");
    }

    public async Task<IdentityInfo> ResolveIdentityAsync(string identifier, bool forceRefresh, CancellationToken cancellationToken)
    {
        if (identifier.StartsWith("did:", StringComparison.Ordinal))
        {
            if (!Did.TryParse(identifier, out _))
            {
                throw XrpcException.InvalidRequest("identifier must be a handle or DID");
            }

            var resolved = await ResolveDidAsync(identifier, forceRefresh, cancellationToken).ConfigureAwait(false);
            var claimed = resolved.Document.GetHandle()?.ToString();
            var verified = claimed is not null
                && string.Equals(await ResolveHandleAsync(claimed, cancellationToken).ConfigureAwait(false), identifier, StringComparison.Ordinal);
            return new IdentityInfo(identifier, verified ? claimed! : InvalidHandle, ToJson(resolved.Json));
        }

        if (!Handle.TryParse(identifier, out var handle))
        {
            throw XrpcException.InvalidRequest("identifier must be a handle or DID");
        }

        var normalized = handle.ToString();
        var did = await ResolveHandleAsync(normalized, cancellationToken).ConfigureAwait(false)
            ?? throw new XrpcException(400, "HandleNotFound", "Unable to resolve handle");
        var document = await ResolveDidAsync(did, forceRefresh, cancellationToken).ConfigureAwait(false);
        var matches = string.Equals(document.Document.GetHandle()?.ToString(), normalized, StringComparison.Ordinal);
        return new IdentityInfo(did, matches ? normalized : InvalidHandle, ToJson(document.Json));
    }

    public static JsonElement ToJson(string json)
    {
        using var parsed = JsonDocument.Parse(json);
        return parsed.RootElement.Clone();
    }
}
