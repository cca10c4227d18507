using Microsoft.Extensions.Logging;
using Pds.Application.Common.RateLimits;
using StackExchange.Redis;

namespace Pds.Infrastructure.RateLimits;

/// <summary>
/// Fixed-window counters in Redis, so every server process spends from one budget. Each window is
/// one key, incremented and given its expiry atomically by a script. When Redis cannot answer,
/// limits do not apply (the request is let through and the failure logged) rather than failing
/// every request.
/// </summary>
public sealed partial class RedisRateLimiter(IConnectionMultiplexer redis, TimeProvider clock, ILogger<RedisRateLimiter> logger) : IRateLimiter
{
    private const string Script = """
        local spent = redis.call('INCRBY', KEYS[1], ARGV[1])
        if spent == tonumber(ARGV[1]) then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
        end
        return spent
        """;

    public async ValueTask<RateLimitStatus?> ConsumeAsync(RateLimitPolicy policy, string key, int points, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var windowMs = (long)policy.Window.TotalMilliseconds;
        var window = clock.GetUtcNow().ToUnixTimeMilliseconds() / windowMs;
        var resetAt = DateTimeOffset.FromUnixTimeMilliseconds((window + 1) * windowMs);
        try
        {
            var spent = (long)await redis.GetDatabase().ScriptEvaluateAsync(
                Script,
                [new RedisKey($"rl:{policy.Name}:{key}:{window}")],
                [points, windowMs + 1000]).ConfigureAwait(false);
            return new RateLimitStatus(policy, (int)Math.Clamp(policy.Points - spent, int.MinValue, int.MaxValue), resetAt);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogUnavailable(logger, e.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "rate limiter unavailable, request not limited: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string reason);
}
