using Mediator;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Application.Common.Errors;

namespace Pds.Application.Repo.Commands.UploadBlob;

/// <summary>com.atproto.repo.uploadBlob: the raw body, streamed.</summary>
public sealed record UploadBlobCommand(Stream Content, string? ContentType, long? ContentLength) : ICommand<UploadBlobOutput>;

public sealed record UploadBlobOutput(BlobRefJson Blob);

/// <summary>The blob reference as the API returns it.</summary>
public sealed record BlobRefJson(
    [property: System.Text.Json.Serialization.JsonPropertyName("$type")] string Type,
    [property: System.Text.Json.Serialization.JsonPropertyName("ref")] LinkJson Ref,
    string MimeType,
    long Size);

public sealed record LinkJson([property: System.Text.Json.Serialization.JsonPropertyName("$link")] string Link);

/// <summary>
/// Streams the upload to temporary storage while hashing it (never buffering the whole blob),
/// enforces PDS_BLOB_UPLOAD_LIMIT, sniffs the type from the first bytes (falling back to the
/// declared one), and records the blob as temporary until a record references it.
/// </summary>
public sealed class UploadBlobHandler(IRequestContext request, IBlobStore store, IActorStore actors, PdsOptions options, TimeProvider clock)
    : ICommandHandler<UploadBlobCommand, UploadBlobOutput>
{
    public async ValueTask<UploadBlobOutput> Handle(UploadBlobCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var did = request.Credentials!.RequireDid();
        var claimed = command.ContentType?.Split(';', 2)[0].Trim().ToLowerInvariant();
        if (!string.IsNullOrEmpty(claimed) && claimed != "*/*" && !request.Credentials.Permissions.AllowsBlob(claimed))
        {
            throw AuthCredentials.MissingScope(Domain.OAuth.ScopePermissions.BlobScope(claimed));
        }

        var limit = options.Blobstore.UploadLimit;
        if (command.ContentLength > limit)
        {
            throw new XrpcException(413, XrpcErrorNames.PayloadTooLarge, $"The blob exceeds the upload limit of {limit} bytes.");
        }

        TempBlob temp;
        try
        {
            temp = await store.PutTempAsync(did, command.Content, limit, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobTooLargeException e)
        {
            throw new XrpcException(413, XrpcErrorNames.PayloadTooLarge, e.Message);
        }

        var declared = command.ContentType?.Split(';', 2)[0].Trim().ToLowerInvariant();
        var mime = temp.SniffedMimeType
            ?? (string.IsNullOrEmpty(declared) || declared == "*/*" ? "application/octet-stream" : declared);
        if (!request.Credentials!.Permissions.AllowsBlob(mime))
        {
            // The upload is left to expire with other uploads no record took up.
            throw AuthCredentials.MissingScope(Domain.OAuth.ScopePermissions.BlobScope(mime));
        }
        await actors.TransactAsync(
            did,
            async (repo, ct) =>
            {
                var existing = await repo.GetBlobAsync(temp.Cid, ct).ConfigureAwait(false);
                if (existing is null)
                {
                    await repo.PutBlobAsync(new BlobInfo(temp.Cid, mime, temp.Size, temp.TempKey, clock.GetUtcNow().UtcDateTime), ct).ConfigureAwait(false);

                    // A blob an (imported) record already references is needed at once: a migration
                    // uploads the blobs listMissingBlobs names after importing the repository.
                    if (await repo.IsBlobReferencedAsync(temp.Cid, ct).ConfigureAwait(false))
                    {
                        await store.MakePermanentAsync(did, temp.TempKey, temp.Cid, ct).ConfigureAwait(false);
                        await repo.MarkBlobPermanentAsync(temp.Cid, ct).ConfigureAwait(false);
                    }
                }
                else if (existing.TempKey is null)
                {
                    // Already stored permanently: the new copy is not needed.
                    await store.MakePermanentAsync(did, temp.TempKey, temp.Cid, ct).ConfigureAwait(false);
                }

                return true;
            },
            cancellationToken).ConfigureAwait(false);
        return new UploadBlobOutput(new BlobRefJson("blob", new LinkJson(temp.Cid), mime, temp.Size));
    }
}
