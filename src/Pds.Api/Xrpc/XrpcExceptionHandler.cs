using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Pds.Application.Common.Errors;

namespace Pds.Api.Xrpc;

/// <summary>
/// The one place exceptions become HTTP responses, always in the XRPC error shape
/// <c>{"error": name, "message": text}</c>. Unknown exceptions are logged and answered with a
/// generic 500 that reveals nothing about them.
/// </summary>
internal sealed partial class XrpcExceptionHandler : IExceptionHandler
{
    private const string InternalErrorMessage = "Internal Server Error";
    private readonly ILogger<XrpcExceptionHandler> _logger;

    public XrpcExceptionHandler(ILogger<XrpcExceptionHandler> logger)
    {
        _logger = logger;
    }

    public static bool IsClientError(Exception exception) =>
        exception is XrpcException { Status: < 500 } or Pds.Application.Common.RateLimits.RateLimitExceededException or XrpcException { Error: XrpcErrorNames.MethodNotImplemented } or BadHttpRequestException or JsonException;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
            return true;
        }

        if (exception is Pds.Application.Common.RateLimits.RateLimitExceededException limited)
        {
            XrpcRateLimits.WriteHeaders(httpContext.Response, limited.Status);
            exception = limited.ToXrpc();
        }

        var (status, error, message) = exception switch
        {
            XrpcException x => (x.Status, x.Error, x.Message),
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
                (413, XrpcErrorNames.PayloadTooLarge, "request entity too large"),
            BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } =>
                (400, XrpcErrorNames.InvalidRequest, "Wrong request encoding (Content-Type)"),
            BadHttpRequestException bad => (400, XrpcErrorNames.InvalidRequest, bad.Message),
            JsonException => (400, XrpcErrorNames.InvalidRequest, "Invalid JSON body"),
            _ => (500, XrpcErrorNames.InternalServerError, InternalErrorMessage),
        };

        if (status >= 500 && exception is not XrpcException)
        {
            LogUnhandled(_logger, exception, httpContext.Request.Path);
        }

        await WriteAsync(httpContext, status, error, message, cancellationToken).ConfigureAwait(false);
        return true;
    }

    public static Task WriteInternalErrorAsync(HttpContext httpContext) =>
        WriteAsync(httpContext, 500, XrpcErrorNames.InternalServerError, InternalErrorMessage, httpContext.RequestAborted);

    public static async Task WriteAsync(HttpContext httpContext, int status, string error, string? message, CancellationToken cancellationToken)
    {
        await XrpcJson.WriteAsync(httpContext.Response, status, new XrpcError(error, message), cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception serving {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, PathString path);
}

/// <summary>The XRPC error body.</summary>
internal sealed record XrpcError(string Error, string? Message);
