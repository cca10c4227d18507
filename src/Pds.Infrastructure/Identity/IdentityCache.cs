using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using StackExchange.Redis;

namespace Pds.Infrastructure.Identity;

/// <summary>
/// A second cache level for identity lookups shared by every server process (Redis), behind the
/// in-process caches. Values are strings (a DID document's JSON, a handle's DID) with the time they
/// were fetched; they expire after the maximum TTL. Errors read as misses: the network answers instead.
/// </summary>
public interface ISharedIdentityCache
{
    Task<(string Value, DateTimeOffset FetchedAt)?> GetAsync(string key, CancellationToken cancellationToken = default);

    Task SetAsync(string key, string value, DateTimeOffset fetchedAt, TimeSpan lifetime, CancellationToken cancellationToken = default);

    Task RemoveAsync(string key, CancellationToken cancellationToken = default);
}

/// <summary>No shared level: each process keeps its own cache.</summary>
public sealed class NoSharedIdentityCache : ISharedIdentityCache
{
    public Task<(string Value, DateTimeOffset FetchedAt)?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        Task.FromResult<(string, DateTimeOffset)?>(null);

    public Task SetAsync(string key, string value, DateTimeOffset fetchedAt, TimeSpan lifetime, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task RemoveAsync(string key, CancellationToken cancellationToken = default) => Task.CompletedTask;
}

public sealed partial class RedisIdentityCache(IConnectionMultiplexer redis, ILogger<RedisIdentityCache> logger) : ISharedIdentityCache
{
    public async Task<(string Value, DateTimeOffset FetchedAt)?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            var stored = await redis.GetDatabase().StringGetAsync("id:" + key).ConfigureAwait(false);
            if (stored.IsNullOrEmpty)
            {
                return null;
            }

            using var entry = JsonDocument.Parse(stored.ToString());
            return (entry.RootElement.GetProperty("v").GetString()!, DateTimeOffset.FromUnixTimeMilliseconds(entry.RootElement.GetProperty("t").GetInt64()));
        }
        catch (Exception e) when (e is RedisException or TimeoutException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            LogFailed(logger, e.Message);
            return null;
        }
    }

    public async Task SetAsync(string key, string value, DateTimeOffset fetchedAt, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        try
        {
            var entry = JsonSerializer.Serialize(new Dictionary<string, object> { ["v"] = value, ["t"] = fetchedAt.ToUnixTimeMilliseconds() });
            await redis.GetDatabase().StringSetAsync("id:" + key, entry, lifetime).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogFailed(logger, e.Message);
        }
    }

    public async Task RemoveAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            await redis.GetDatabase().KeyDeleteAsync("id:" + key).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogFailed(logger, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "shared identity cache unavailable: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}

/// <summary>
/// Refreshes stale identity entries in the background, once per key at a time, so a lookup that
/// finds a stale entry answers from it at once (stale-while-revalidate).
/// </summary>
public sealed partial class IdentityRefresher(IServiceScopeFactory scopes, ILogger<IdentityRefresher> logger)
{
    private readonly ConcurrentDictionary<string, byte> _running = new(StringComparer.Ordinal);

    public void RefreshDid(string did) => Start("did:" + did, sp => sp.GetRequiredService<IDidResolver>().ResolveAsync(did, forceRefresh: true));

    public void RefreshHandle(string handle) => Start("handle:" + handle, sp => sp.GetRequiredService<IHandleResolver>().ResolveAsync(handle, forceRefresh: true));

    /// <summary>Waits until no refresh is running (tests).</summary>
    public async Task IdleAsync()
    {
        while (!_running.IsEmpty)
        {
            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    private void Start(string key, Func<IServiceProvider, Task> refresh)
    {
        if (!_running.TryAdd(key, 0))
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await refresh(scope.ServiceProvider).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // A failed background refresh leaves the stale entry; the next lookup tries again.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogRefreshFailed(logger, key, e.Message);
            }
            finally
            {
                _running.TryRemove(key, out _);
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "background refresh of {Key} failed: {Reason}")]
    private static partial void LogRefreshFailed(ILogger logger, string key, string reason);
}

/// <summary>Handle → DID answers, cached like DID documents (positive answers only).</summary>
public sealed class HandleCache
{
    private const int MaxEntries = 50_000;
    private readonly ConcurrentDictionary<string, (string Did, DateTimeOffset FetchedAt)> _entries = new(StringComparer.Ordinal);

    public (string Did, DateTimeOffset FetchedAt)? Get(string handle) => _entries.TryGetValue(handle, out var entry) ? entry : null;

    public void Set(string handle, string did, DateTimeOffset fetchedAt)
    {
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }

        _entries[handle] = (did, fetchedAt);
    }

    public void Remove(string handle) => _entries.TryRemove(handle, out _);
}

/// <summary>
/// The handle resolver with caching: fresh answers are served from memory or the shared cache;
/// stale ones are served while a background refresh runs; <c>forceRefresh</c> (handle
/// verification) always asks the network.
/// </summary>
public sealed class CachingHandleResolver(
    HandleResolver network,
    HandleCache cache,
    ISharedIdentityCache shared,
    IdentityRefresher refresher,
    PdsOptions options,
    TimeProvider clock) : IHandleResolver
{
    public async Task<string?> ResolveAsync(string handle, bool forceRefresh = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(handle);
        var key = handle.ToLowerInvariant();
        var now = clock.GetUtcNow();
        if (!forceRefresh)
        {
            var cached = cache.Get(key);
            if (cached is null && await shared.GetAsync("handle:" + key, cancellationToken).ConfigureAwait(false) is { } fromShared)
            {
                cached = (fromShared.Value, fromShared.FetchedAt);
                cache.Set(key, fromShared.Value, fromShared.FetchedAt);
            }

            if (cached is { } hit && now - hit.FetchedAt < options.Identity.CacheMaxTtl)
            {
                if (now - hit.FetchedAt >= options.Identity.CacheStaleTtl)
                {
                    refresher.RefreshHandle(key);
                }

                return hit.Did;
            }
        }

        var did = await network.ResolveAsync(key, forceRefresh: true, cancellationToken).ConfigureAwait(false);
        if (did is null)
        {
            cache.Remove(key);
            await shared.RemoveAsync("handle:" + key, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            cache.Set(key, did, now);
            await shared.SetAsync("handle:" + key, did, now, options.Identity.CacheMaxTtl, cancellationToken).ConfigureAwait(false);
        }

        return did;
    }
}
