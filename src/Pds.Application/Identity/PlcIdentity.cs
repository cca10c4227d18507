using Pds.Application.Accounts;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;
using Pds.Domain.Identity;

namespace Pds.Application.Identity;

/// <summary>Changes to did:plc identities this server holds a rotation key for.</summary>
public sealed class PlcIdentity(IPlcClient plc, ServiceKeys serviceKeys)
{
    /// <summary>Points the DID's first <c>at://</c> alias at <paramref name="handle"/>, unless it already does.</summary>
    public async Task UpdateHandleAsync(string did, string handle, CancellationToken cancellationToken)
    {
        var last = await LastOperationAsync(did, cancellationToken).ConfigureAwait(false);
        var current = last.Normalize() ?? throw XrpcException.InvalidRequest("Did is tombstoned");
        var alias = "at://" + handle;
        if (current.AlsoKnownAs.Count > 0 && current.AlsoKnownAs[0] == alias)
        {
            return;
        }

        var others = current.AlsoKnownAs.Where(a => !a.StartsWith("at://", StringComparison.Ordinal) || a == alias).Where(a => a != alias);
        var update = PlcOperation.CreateUpdate(last, new PlcOperationChanges { AlsoKnownAs = [alias, .. others] }).Sign(serviceKeys.PlcRotationKey);
        await SendAsync(did, update, cancellationToken).ConfigureAwait(false);
    }

    public async Task<PlcOperation> LastOperationAsync(string did, CancellationToken cancellationToken)
    {
        try
        {
            return await plc.GetLastOperationAsync(did, cancellationToken).ConfigureAwait(false)
                ?? throw XrpcException.InvalidRequest("DID is not registered with the PLC directory");
        }
        catch (PlcDirectoryException e)
        {
            throw new XrpcException(502, "UpstreamFailure", $"PLC directory error: {e.Message}");
        }
    }

    public async Task SendAsync(string did, PlcOperation operation, CancellationToken cancellationToken)
    {
        try
        {
            await plc.SendOperationAsync(did, operation, cancellationToken).ConfigureAwait(false);
        }
        catch (PlcDirectoryException e) when (e.Status is >= 400 and < 500)
        {
            throw XrpcException.InvalidRequest($"The PLC directory refused the operation: {e.Message}");
        }
        catch (PlcDirectoryException e)
        {
            throw new XrpcException(502, "UpstreamFailure", $"PLC directory error: {e.Message}");
        }
    }
}
