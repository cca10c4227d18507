using System.Text;
using System.Text.Json;
using Pds.Application.Common.Configuration;
using Pds.Domain.Data;
using Pds.Domain.Identity;
using Pds.Infrastructure.Identity.EmbeddedPlc;

namespace Pds.Api.Plc;

/// <summary>
/// The did:plc directory HTTP API (as plc.directory serves it) under <c>/plc</c>, backed by the
/// embedded directory. Mapped only when <see cref="IdentityOptions.EmbeddedPlcDirectory"/> is on.
/// Errors use the directory's <c>{"message": ...}</c> shape, not the XRPC one.
/// </summary>
internal static class EmbeddedPlcEndpoints
{
    private const int MaxOperationBodyBytes = 64 * 1024;

    public static void MapEmbeddedPlcDirectory(this IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<PdsOptions>();
        if (!options.Identity.EmbeddedPlcDirectory)
        {
            return;
        }

        // Served under /plc and also at the root, where plc.directory serves it: clients such as the
        // reference identity resolver build absolute paths (/{did}) from the directory URL.
        MapRoutes(endpoints.MapGroup(IdentityOptions.EmbeddedPlcPath), string.Empty);
        MapRoutes(endpoints.MapGroup(string.Empty), ":regex(^did:plc:)");
    }

    private static void MapRoutes(RouteGroupBuilder plc, string didConstraint)
    {

        plc.MapGet("/{did" + didConstraint + "}", async (string did, EmbeddedPlcDirectory directory, CancellationToken ct) =>
        {
            var state = await directory.GetStateAsync(did, ct).ConfigureAwait(false);
            if (state is null)
            {
                return NotFound(did);
            }

            return state.ToDidDocument() is { } doc
                ? Results.Text(doc.ToJson(), "application/did+ld+json", Encoding.UTF8)
                : Gone(did);
        });

        plc.MapGet("/{did" + didConstraint + "}/data", async (string did, EmbeddedPlcDirectory directory, CancellationToken ct) =>
        {
            var state = await directory.GetStateAsync(did, ct).ConfigureAwait(false);
            if (state is null)
            {
                return NotFound(did);
            }

            return state.Data is { } data ? Json(data.ToJson()) : Gone(did);
        });

        plc.MapGet("/{did" + didConstraint + "}/log", async (string did, EmbeddedPlcDirectory directory, CancellationToken ct) =>
        {
            var state = await directory.GetStateAsync(did, ct).ConfigureAwait(false);
            return state is null
                ? NotFound(did)
                : Json("[" + string.Join(",", state.ActiveOperations.Select(op => op.ToJson())) + "]");
        });

        plc.MapGet("/{did" + didConstraint + "}/log/last", async (string did, EmbeddedPlcDirectory directory, CancellationToken ct) =>
        {
            var state = await directory.GetStateAsync(did, ct).ConfigureAwait(false);
            return state is null ? NotFound(did) : Json(state.Head.Operation.ToJson());
        });

        plc.MapGet("/{did" + didConstraint + "}/log/audit", async (string did, EmbeddedPlcDirectory directory, CancellationToken ct) =>
        {
            var log = await directory.GetAuditLogAsync(did, ct).ConfigureAwait(false);
            return log.Count == 0 ? NotFound(did) : Json(PlcLogEntry.ToAuditLogJson(log));
        });

        plc.MapPost("/{did" + didConstraint + "}", async (string did, HttpContext context, EmbeddedPlcDirectory directory) =>
        {
            if (!PlcDid.IsValid(did))
            {
                return Message(StatusCodes.Status400BadRequest, $"Invalid DID: {did}");
            }

            PlcOperation operation;
            try
            {
                var body = await ReadBodyAsync(context.Request, context.RequestAborted).ConfigureAwait(false);
                if (body is null)
                {
                    return Message(StatusCodes.Status413PayloadTooLarge, "Operation too large");
                }

                operation = PlcOperation.FromJson(body);
            }
            catch (Exception e) when (e is FormatException or JsonException or PlcValidationException)
            {
                return Message(StatusCodes.Status400BadRequest, $"Invalid operation: {e.Message}");
            }

            try
            {
                await directory.SubmitAsync(did, operation, context.RequestAborted).ConfigureAwait(false);
                return Results.Ok();
            }
            catch (PlcValidationException e)
            {
                return Message(StatusCodes.Status400BadRequest, e.Message);
            }
        });
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxOperationBodyBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxOperationBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static IResult Json(string json) => Results.Text(json, "application/json", Encoding.UTF8);

    private static IResult NotFound(string did) => Message(StatusCodes.Status404NotFound, $"DID not registered: {did}");

    private static IResult Gone(string did) => Message(StatusCodes.Status410Gone, $"DID not available: {did}");

    private static IResult Message(int status, string message) =>
        Results.Json(new { message }, statusCode: status);
}
