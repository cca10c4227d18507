using Mediator;
using Pds.Api.Auth;
using Pds.Application.Repo.Commands.ImportRepo;
using Pds.Application.Repo.Commands.UploadBlob;
using Pds.Application.Repo.Queries.ListMissingBlobs;
using Pds.Application.Sync.Queries.GetBlob;
using Pds.Application.Sync.Queries.ListBlobs;

namespace Pds.Api.Xrpc;

/// <summary>Blob methods: raw bodies in and out, so hand-written rather than through the JSON helpers.</summary>
internal static class BlobEndpoints
{
    public static void MapBlobs(this IEndpointRouteBuilder x)
    {
        var methods = x.ServiceProvider.GetRequiredService<XrpcMethodTable>();

        methods.Add("com.atproto.repo.uploadBlob", HttpMethods.Post);
        x.MapPost("/xrpc/com.atproto.repo.uploadBlob", async (HttpContext context, ISender sender) =>
        {
            // The upload limit is enforced while streaming; Kestrel's own request-size cap is lifted here.
            if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            {
                size.MaxRequestBodySize = null;
            }

            var output = await sender.Send(
                new UploadBlobCommand(context.Request.Body, context.Request.ContentType, context.Request.ContentLength),
                context.RequestAborted).ConfigureAwait(false);
            return TypedResults.Ok(output);
        }).RequireAuth(AuthRequirement.Standard with { CheckTakedown = true }); // deactivated accounts upload blobs while migrating in

        methods.Add("com.atproto.repo.importRepo", HttpMethods.Post);
        x.MapPost("/xrpc/com.atproto.repo.importRepo", async (HttpContext context, ISender sender) =>
        {
            if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            {
                size.MaxRequestBodySize = ImportRepoHandler.MaxImportBytes;
            }

            var contentType = context.Request.ContentType?.Split(';', 2)[0].Trim();
            if (!string.Equals(contentType, "application/vnd.ipld.car", StringComparison.OrdinalIgnoreCase))
            {
                throw Pds.Application.Common.Errors.XrpcException.InvalidRequest($"Wrong request encoding (Content-Type): {contentType}");
            }

            await sender.Send(new ImportRepoCommand(context.Request.Body, context.Request.ContentLength), context.RequestAborted).ConfigureAwait(false);
            return Results.Ok();
        }).RequireAuth((AuthRequirement.Full with { CheckTakedown = true }).WithOAuth(p => p.AllowsAccount("repo", manage: true), "account:repo?action=manage"));

        methods.Add("com.atproto.sync.getBlob", HttpMethods.Get);
        x.MapGet("/xrpc/com.atproto.sync.getBlob", async ([AsParameters] GetBlobQuery query, HttpContext context, ISender sender) =>
        {
            var blob = await sender.Send(query, context.RequestAborted).ConfigureAwait(false);

            // As the reference PDS: never let a browser interpret user content as a page.
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
            headers.CacheControl = "private, max-age=3600";
            return Results.Stream(blob.Content, blob.MimeType, enableRangeProcessing: true);
        });

        x.Query<ListBlobsQuery, ListBlobsOutput>("com.atproto.sync.listBlobs");
        x.Query<ListMissingBlobsQuery, ListMissingBlobsOutput>("com.atproto.repo.listMissingBlobs")
            .RequireAuth(AuthRequirement.Standard);
    }
}
