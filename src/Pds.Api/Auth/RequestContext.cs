using Pds.Application.Common.Abstractions;

namespace Pds.Api.Auth;

/// <summary>The per-request <see cref="IRequestContext"/>: filled in by <see cref="AuthVerifier"/>.</summary>
internal sealed class RequestContext(IHttpContextAccessor accessor) : IRequestContext
{
    public AuthCredentials? Credentials { get; set; }

    public string? ClientIp => accessor.HttpContext?.Connection.RemoteIpAddress?.ToString();

    public string? UserAgent => accessor.HttpContext?.Request.Headers.UserAgent.ToString() is { Length: > 0 } ua ? ua : null;
}
