namespace Pds.Application.Common.Errors;

/// <summary>
/// An XRPC error: the HTTP status, the error name from the lexicon (or one of the generic XRPC
/// names such as <c>InvalidRequest</c>) and a human-readable message, sent as
/// <c>{"error": name, "message": text}</c>.
/// </summary>
public sealed class XrpcException : Exception
{
    public XrpcException(int status, string error, string message)
        : base(message)
    {
        ArgumentException.ThrowIfNullOrEmpty(error);
        Status = status;
        Error = error;
    }

    public XrpcException()
        : this(500, XrpcErrorNames.InternalServerError, "Internal Server Error")
    {
    }

    public XrpcException(string message)
        : this(400, XrpcErrorNames.InvalidRequest, message)
    {
    }

    public XrpcException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = 400;
        Error = XrpcErrorNames.InvalidRequest;
    }

    public int Status { get; }

    public string Error { get; }

    public static XrpcException InvalidRequest(string message) => new(400, XrpcErrorNames.InvalidRequest, message);

    public static XrpcException NotFound(string message) => new(404, XrpcErrorNames.NotFound, message);
}

/// <summary>The generic error names every XRPC server uses, independent of any lexicon.</summary>
public static class XrpcErrorNames
{
    public const string InvalidRequest = "InvalidRequest";
    public const string ExpiredToken = "ExpiredToken";
    public const string InvalidToken = "InvalidToken";
    public const string AuthenticationRequired = "AuthenticationRequired";
    public const string Forbidden = "Forbidden";
    public const string NotFound = "NotFound";
    public const string PayloadTooLarge = "PayloadTooLarge";
    public const string RateLimitExceeded = "RateLimitExceeded";
    public const string InternalServerError = "InternalServerError";
    public const string MethodNotImplemented = "MethodNotImplemented";
    public const string UpstreamFailure = "UpstreamFailure";
    public const string NotEnoughResources = "NotEnoughResources";
    public const string UpstreamTimeout = "UpstreamTimeout";
}
