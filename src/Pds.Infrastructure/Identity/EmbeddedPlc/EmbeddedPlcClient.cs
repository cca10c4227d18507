using Pds.Application.Common.Abstractions;
using Pds.Domain.Identity;

namespace Pds.Infrastructure.Identity.EmbeddedPlc;

/// <summary>
/// The PLC client used when this process serves its own directory: calls the embedded directory
/// directly instead of over HTTP (which also lets in-memory test hosts work without a socket).
/// </summary>
public sealed class EmbeddedPlcClient(EmbeddedPlcDirectory directory) : IPlcClient
{
    public async Task<PlcData?> GetDocumentDataAsync(string did, CancellationToken cancellationToken = default) =>
        (await directory.GetStateAsync(did, cancellationToken).ConfigureAwait(false))?.Data;

    public async Task<PlcOperation?> GetLastOperationAsync(string did, CancellationToken cancellationToken = default) =>
        (await directory.GetStateAsync(did, cancellationToken).ConfigureAwait(false))?.Head.Operation;

    public Task<IReadOnlyList<PlcLogEntry>> GetAuditLogAsync(string did, CancellationToken cancellationToken = default) =>
        directory.GetAuditLogAsync(did, cancellationToken);

    public async Task SendOperationAsync(string did, PlcOperation operation, CancellationToken cancellationToken = default)
    {
        try
        {
            await directory.SubmitAsync(did, operation, cancellationToken).ConfigureAwait(false);
        }
        catch (PlcValidationException e)
        {
            throw new PlcDirectoryException(400, e.Message);
        }
    }
}
