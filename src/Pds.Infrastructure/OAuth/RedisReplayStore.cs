using Microsoft.Extensions.Logging;
using Pds.Application.OAuth;
using StackExchange.Redis;

namespace Pds.Infrastructure.OAuth;

/// <summary>
/// One-time values (DPoP proof ids, client assertion ids, PKCE challenges) remembered in Redis, so
/// every server process behind one name refuses a value any of them has seen. When Redis cannot
/// answer, this process's own memory decides, as it does without Redis.
/// </summary>
public sealed partial class RedisReplayStore(IConnectionMultiplexer redis, MemoryReplayStore fallback, ILogger<RedisReplayStore> logger) : IReplayStore
{
    public async Task<bool> TryUseAsync(string key, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fallback);
        try
        {
            return await redis.GetDatabase().StringSetAsync("replay:" + key, 1, lifetime, When.NotExists).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogUnavailable(logger, e.Message);
            return await fallback.TryUseAsync(key, lifetime, cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "replay store unavailable, using this process's memory: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string reason);
}
