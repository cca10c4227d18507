using System.Buffers;
using System.Text.Json;
using Mediator;
using Microsoft.Extensions.Options;
using Pds.Application.Common.Configuration;
using Pds.Application.Common.Errors;
using Pds.Application.Sync;
using Pds.Domain.Syntax;

namespace Pds.Api.Xrpc;

/// <summary>
/// Maps XRPC methods: one line per method, the NSID is the route. Queries bind the query string to
/// the request record; procedures read a JSON body (content type and size checked here) and both
/// send the request through the mediator.
/// </summary>
internal static class XrpcEndpoints
{
    public static RouteHandlerBuilder Query<TQuery, TOutput>(this IEndpointRouteBuilder endpoints, string nsid)
        where TQuery : IQuery<TOutput>
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.ServiceProvider.GetRequiredService<XrpcMethodTable>().Add(nsid, HttpMethods.Get);
        return endpoints.MapGet(
            "/xrpc/" + nsid,
            async Task<XrpcJson.Answer<TOutput>> ([AsParameters] TQuery query, ISender sender, HttpContext context) =>
                XrpcJson.Ok(await sender.Send(query, context.RequestAborted).ConfigureAwait(false)));
    }

    /// <summary>A query answered with a CAR file, streamed as it is produced.</summary>
    public static RouteHandlerBuilder CarQuery<TQuery>(this IEndpointRouteBuilder endpoints, string nsid)
        where TQuery : IQuery<CarOutput>
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.ServiceProvider.GetRequiredService<XrpcMethodTable>().Add(nsid, HttpMethods.Get);
        return endpoints.MapGet(
            "/xrpc/" + nsid,
            async Task ([AsParameters] TQuery query, ISender sender, HttpContext context) =>
            {
                var output = await sender.Send(query, context.RequestAborted).ConfigureAwait(false);
                context.Response.ContentType = "application/vnd.ipld.car";
                await output.WriteAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
            });
    }

    public static RouteHandlerBuilder Procedure<TCommand, TOutput>(this IEndpointRouteBuilder endpoints, string nsid)
        where TCommand : ICommand<TOutput>
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.ServiceProvider.GetRequiredService<XrpcMethodTable>().Add(nsid, HttpMethods.Post);

        // Procedures whose lexicon has no input take no body; those without output answer 200 with none.
        var hasInput = typeof(TCommand).GetConstructors().Any(c => c.GetParameters().Length > 0);
        var hasOutput = typeof(TOutput) != typeof(Unit);
        return endpoints.MapPost(
            "/xrpc/" + nsid,
            async Task<IResult> (ISender sender, HttpContext context) =>
            {
                var command = hasInput ? await ReadJsonBodyAsync<TCommand>(context).ConfigureAwait(false) : Activator.CreateInstance<TCommand>();
                var output = await sender.Send(command, context.RequestAborted).ConfigureAwait(false);
                return hasOutput ? XrpcJson.Ok(output) : TypedResults.Ok();
            });
    }

    /// <summary>
    /// Answers every /xrpc/ path no method claimed: a known method called with the wrong verb, an
    /// invalid NSID, or a method this server does not implement (501, as the reference PDS does
    /// when it has no proxy target).
    /// </summary>
    public static void MapXrpcFallback(this IEndpointRouteBuilder endpoints)
    {
        endpoints.Map("/xrpc/{nsid}", async Task (string nsid, HttpContext context, XrpcMethodTable methods, PdsOptions options) =>
        {
            if (methods.TryGetHttpMethod(nsid, out var expected))
            {
                throw XrpcException.InvalidRequest($"Incorrect HTTP method ({context.Request.Method}) expected {expected}");
            }

            if (!Nsid.IsValid(nsid))
            {
                throw XrpcException.InvalidRequest("Invalid XRPC method name");
            }

            // Methods served elsewhere: the service the caller names, or the AppView for app.bsky.
            if (Pds.Api.Proxy.XrpcProxy.HasTarget(context, nsid, options))
            {
                await Pds.Api.Proxy.XrpcProxy.ForwardAsync(context, nsid).ConfigureAwait(false);
                return;
            }

            throw new XrpcException(StatusCodes.Status501NotImplemented, XrpcErrorNames.MethodNotImplemented, "Method Not Implemented");
        });
    }

    internal static async Task<T> ReadJsonBodyAsync<T>(HttpContext context)
    {
        var request = context.Request;
        var contentType = request.ContentType;
        var hasBody = request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0;
        if (string.IsNullOrEmpty(contentType))
        {
            throw XrpcException.InvalidRequest(hasBody
                ? "Request encoding (Content-Type) required but not provided"
                : "Request body required but not provided");
        }

        var mediaType = contentType.Split(';', 2)[0].Trim();
        if (!mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw XrpcException.InvalidRequest($"Wrong request encoding (Content-Type): {mediaType}");
        }

        var limit = context.RequestServices.GetRequiredService<PdsOptions>().Limits.JsonBodyLimit;
        if (request.ContentLength > limit)
        {
            throw new XrpcException(StatusCodes.Status413PayloadTooLarge, XrpcErrorNames.PayloadTooLarge, "request entity too large");
        }

        var buffer = new ArrayBufferWriter<byte>(request.ContentLength is { } length ? (int)Math.Max(length, 1) : 4096);
        var stream = request.Body;
        while (true)
        {
            var memory = buffer.GetMemory(4096);
            var read = await stream.ReadAsync(memory, context.RequestAborted).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > limit)
            {
                throw new XrpcException(StatusCodes.Status413PayloadTooLarge, XrpcErrorNames.PayloadTooLarge, "request entity too large");
            }
        }

        var options = context.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        try
        {
            return JsonSerializer.Deserialize<T>(buffer.WrittenSpan, options)
                ?? throw XrpcException.InvalidRequest("Request body must be a JSON object");
        }
        catch (JsonException e)
        {
            // The path names the offending field without echoing the input.
            throw XrpcException.InvalidRequest(e.Path is { Length: > 1 } path ? $"Invalid JSON body at {path}" : "Invalid JSON body");
        }
    }
}
