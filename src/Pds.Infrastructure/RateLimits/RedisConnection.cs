using Pds.Application.Common.Configuration;
using StackExchange.Redis;

namespace Pds.Infrastructure.RateLimits;

/// <summary>
/// The one connection to <c>PDS_REDIS_SCRATCH_ADDRESS</c> that rate limits and the shared identity
/// cache use. It connects in the background and keeps retrying, so an unreachable Redis never stops
/// the server from starting.
/// </summary>
public sealed class RedisConnection : IDisposable
{
    private readonly Lazy<ConnectionMultiplexer> _multiplexer;

    public RedisConnection(PdsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var address = options.Limits.RedisScratchAddress ?? throw new InvalidOperationException("No Redis address configured.");
        var configuration = ConfigurationOptions.Parse(address);
        configuration.Password = options.Limits.RedisScratchPassword;
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = 2000;
        configuration.SyncTimeout = 2000;
        configuration.AsyncTimeout = 2000;
        _multiplexer = new Lazy<ConnectionMultiplexer>(() => ConnectionMultiplexer.Connect(configuration));
    }

    public IConnectionMultiplexer Multiplexer => _multiplexer.Value;

    public void Dispose()
    {
        if (_multiplexer.IsValueCreated)
        {
            _multiplexer.Value.Dispose();
        }
    }
}
