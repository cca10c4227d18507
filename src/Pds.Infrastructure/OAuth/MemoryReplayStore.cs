using System.Collections.Concurrent;
using Pds.Application.OAuth;

namespace Pds.Infrastructure.OAuth;

/// <summary>
/// One-time values remembered in this process until they expire. Without Redis, several processes
/// behind one name each keep their own memory; a replay sent to another process is then caught
/// only by the shorter checks that remain (DPoP nonces, proof age, single-use codes and refresh
/// tokens in the database). With <c>PDS_REDIS_SCRATCH_ADDRESS</c>, <see cref="RedisReplayStore"/>
/// shares them.
/// </summary>
public sealed class MemoryReplayStore(TimeProvider clock) : IReplayStore
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private long _calls;

    public Task<bool> TryUseAsync(string key, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        if (Interlocked.Increment(ref _calls) % 1024 == 0)
        {
            foreach (var (k, expires) in _seen)
            {
                if (expires < now)
                {
                    _seen.TryRemove(k, out _);
                }
            }
        }

        var expiresAt = now + lifetime;
        var fresh = true;
        _seen.AddOrUpdate(
            key,
            expiresAt,
            (_, existing) =>
            {
                if (existing >= now)
                {
                    fresh = false;
                    return existing;
                }

                return expiresAt;
            });
        return Task.FromResult(fresh);
    }
}
