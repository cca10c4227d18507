using Mediator;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;
using Pds.Domain.Data;

namespace Pds.Application.Sync.Queries.GetBlob;

/// <summary>com.atproto.sync.getBlob</summary>
public sealed record GetBlobQuery(string Did, string Cid) : IQuery<BlobContent>;

/// <summary>A stored blob to send: its bytes (seekable, for range requests), type and size.</summary>
public sealed record BlobContent(Stream Content, string MimeType, long Size);

public sealed class GetBlobHandler(SyncAccess access, IActorStore actors, IBlobStore store) : IQueryHandler<GetBlobQuery, BlobContent>
{
    public async ValueTask<BlobContent> Handle(GetBlobQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (!Cid.TryParse(query.Cid, out _))
        {
            throw XrpcException.InvalidRequest("cid must be a CID");
        }

        var (account, _) = await access.FindAvailableAsync(query.Did, cancellationToken).ConfigureAwait(false);
        var blob = await actors.ReadAsync(account.Did, (r, ct) => r.GetBlobAsync(query.Cid, ct), cancellationToken).ConfigureAwait(false);
        // A taken-down blob is not served, as in the reference PDS.
        var stream = blob is { TempKey: null, TakedownRef: null } ? await store.OpenAsync(account.Did, query.Cid, cancellationToken).ConfigureAwait(false) : null;
        return stream is null
            ? throw new XrpcException(400, "BlobNotFound", "Blob not found")
            : new BlobContent(stream, blob!.MimeType, blob.Size);
    }
}
