using System.Globalization;
using Pds.Application.Common.Configuration;
using Pds.Application.Common.RateLimits;
using Pds.Domain.Auth;

namespace Pds.Api.Xrpc;

/// <summary>
/// Rate limits at the XRPC edge: decides whether a request is exempt (bypass key or IP), spends the
/// global per-IP budget, and puts the tightest budget a request touched on its response as
/// <c>RateLimit-*</c> headers. Per-method budgets are spent by the use cases' pipeline behavior.
/// </summary>
internal static class XrpcRateLimits
{
    public const string BypassHeader = "x-ratelimit-bypass";

    public static void UseXrpcRateLimits(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (!http.Request.Path.StartsWithSegments("/xrpc", StringComparison.Ordinal))
        {
            await next(http).ConfigureAwait(false);
            return;
        }

        var options = http.RequestServices.GetRequiredService<PdsOptions>();
        var outcome = http.RequestServices.GetRequiredService<RateLimitOutcome>();
        if (!options.Limits.RateLimitsEnabled)
        {
            outcome.Bypass = true;
            await next(http).ConfigureAwait(false);
            return;
        }

        var ip = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var key = options.Limits.RateLimitBypassKey;
        outcome.Bypass = key is { Length: > 0 } && ConstantTime.SecretEquals(http.Request.Headers[BypassHeader].ToString(), key)
            || options.Limits.RateLimitBypassIps.Contains(ip, StringComparer.Ordinal);
        http.Response.OnStarting(() =>
        {
            if (outcome.Tightest is { } tightest)
            {
                WriteHeaders(http.Response, tightest);
            }

            return Task.CompletedTask;
        });

        if (!outcome.Bypass)
        {
            var limiter = http.RequestServices.GetRequiredService<IRateLimiter>();
            if (await limiter.ConsumeAsync(RateLimitPolicies.GlobalIp, ip, 1, http.RequestAborted).ConfigureAwait(false) is { } status)
            {
                outcome.Record(status);
                if (status.Exceeded)
                {
                    throw new RateLimitExceededException(status);
                }
            }
        }

        await next(http).ConfigureAwait(false);
    });

    public static void WriteHeaders(HttpResponse response, RateLimitStatus status)
    {
        var policy = status.Policy;
        response.Headers["RateLimit-Limit"] = policy.Points.ToString(CultureInfo.InvariantCulture);
        response.Headers["RateLimit-Remaining"] = Math.Max(0, status.Remaining).ToString(CultureInfo.InvariantCulture);
        response.Headers["RateLimit-Reset"] = status.ResetAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        response.Headers["RateLimit-Policy"] = string.Create(CultureInfo.InvariantCulture, $"{policy.Points};w={(long)policy.Window.TotalSeconds}");
    }
}
