using System.Net;
using DnsClient;
using Microsoft.Extensions.DependencyInjection;
using Pds.Application.Common.Abstractions;
using Pds.Domain.Crypto;
using Pds.Domain.Identity;
using Pds.Infrastructure.Identity;
using Pds.TestKit;

namespace Pds.Infrastructure.Tests.Identity;

/// <summary>
/// DID and handle caching: stale-while-revalidate in each process, and a Redis level that several
/// server processes share, against loopback DNS and web hosts and a real redis-server.
/// </summary>
public sealed class IdentityCacheTests(RedisTestServer redis) : IClassFixture<RedisTestServer>, IAsyncLifetime
{
    private readonly LoopbackHttpServer _web = new();
    private readonly LoopbackDnsServer _dns = new();
    private readonly TestDatabase _db = new();
    private readonly ManualClock _clock = new();
    private readonly List<ServiceProvider> _processes = [];

    private string Did => $"did:web:localhost%3A{_web.Port}";

    public async Task InitializeAsync()
    {
        await _db.InitializeAsync();
        await _db.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        await _web.DisposeAsync();
        await _dns.DisposeAsync();
        await _db.DisposeAsync();
    }

    /// <summary>One server process's services: its own in-memory caches, optionally a shared Redis.</summary>
    private ServiceProvider Process(bool shared)
    {
        var settings = new Dictionary<string, string>
        {
            ["PDS_DID_CACHE_STALE_TTL"] = "60000",
            ["PDS_DID_CACHE_MAX_TTL"] = "600000",
        };
        if (shared)
        {
            settings["PDS_REDIS_SCRATCH_ADDRESS"] = redis.Address;
        }

        var services = new ServiceCollection();
        services.AddSingleton(_db.LoadOptions(settings));
        services.AddSingleton(new HandleResolverEndpoints { NameServers = [new NameServer(IPAddress.Loopback, _dns.Port)] });
        services.AddLogging();
        services.AddInfrastructure();
        services.AddSingleton<TimeProvider>(_clock);
        var provider = services.BuildServiceProvider();
        _processes.Add(provider);
        return provider;
    }

    private static async Task<string?> HandleOfAsync(ServiceProvider process, string did, bool force = false)
    {
        await using var scope = process.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<IDidResolver>().ResolveAsync(did, force))?.Document.GetHandle()?.ToString();
    }

    private static async Task<string?> DidOfAsync(ServiceProvider process, string handle, bool force = false)
    {
        await using var scope = process.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IHandleResolver>().ResolveAsync(handle, force);
    }

    private string Document(string handle)
    {
        using var key = Secp256k1Keypair.Generate();
        var data = new PlcData(Did, [], new Dictionary<string, string> { ["atproto"] = key.DidKey() }, ["at://" + handle], new Dictionary<string, PlcService> { ["atproto_pds"] = new("AtprotoPersonalDataServer", "https://pds.example.com") });
        return DidDocument.FromPlcData(data).ToJson();
    }

    [Fact]
    public async Task StaleDidDocument_IsServedAtOnce_WhileABackgroundRefreshFetchesTheNewOne()
    {
        var process = Process(shared: false);
        _web.Bodies["/.well-known/did.json"] = Document("first.example.com");
        Assert.Equal("first.example.com", await HandleOfAsync(process, Did));

        _web.Bodies["/.well-known/did.json"] = Document("second.example.com");
        _clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("first.example.com", await HandleOfAsync(process, Did));
        await process.GetRequiredService<IdentityRefresher>().IdleAsync();
        Assert.Equal("second.example.com", await HandleOfAsync(process, Did));

        // Past the maximum age the network is asked before answering.
        _web.Bodies["/.well-known/did.json"] = Document("third.example.com");
        _clock.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal("third.example.com", await HandleOfAsync(process, Did));
    }

    [Fact]
    public async Task SharedCache_OneProcessesFetch_ServesTheOther()
    {
        var first = Process(shared: true);
        var second = Process(shared: true);
        _web.Bodies["/.well-known/did.json"] = Document("shared.example.com");
        Assert.Equal("shared.example.com", await HandleOfAsync(first, Did));
        var fetches = _web.Requests;

        Assert.Equal("shared.example.com", await HandleOfAsync(second, Did));
        Assert.Equal(fetches, _web.Requests);

        // A forced refresh in one process updates what the other reads.
        _web.Bodies["/.well-known/did.json"] = Document("renamed.example.com");
        Assert.Equal("renamed.example.com", await HandleOfAsync(first, Did, force: true));
        var third = Process(shared: true);
        Assert.Equal("renamed.example.com", await HandleOfAsync(third, Did));
    }

    [Fact]
    public async Task Handles_AreCached_ButVerificationAsksTheNetwork()
    {
        var process = Process(shared: true);
        _dns.Txt["_atproto.alice.example.com"] = ["did=did:plc:ewvi7nxzyoun6zhxrhs64oiz"];
        Assert.Equal("did:plc:ewvi7nxzyoun6zhxrhs64oiz", await DidOfAsync(process, "alice.example.com"));

        _dns.Txt["_atproto.alice.example.com"] = ["did=did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"];
        Assert.Equal("did:plc:ewvi7nxzyoun6zhxrhs64oiz", await DidOfAsync(process, "alice.example.com"));
        Assert.Equal("did:plc:ewvi7nxzyoun6zhxrhs64oiz", await DidOfAsync(Process(shared: true), "alice.example.com"));
        Assert.Equal("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", await DidOfAsync(process, "alice.example.com", force: true));
        Assert.Equal("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", await DidOfAsync(process, "alice.example.com"));
    }
}

/// <summary>OAuth one-time values shared by server processes through a real redis-server.</summary>
public sealed class SharedReplayStoreTests(RedisTestServer redis) : IClassFixture<RedisTestServer>, IAsyncLifetime
{
    private readonly TestDatabase _db = new();

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    private Pds.Application.OAuth.IReplayStore Store()
    {
        var services = new ServiceCollection();
        services.AddSingleton(_db.LoadOptions(new Dictionary<string, string> { ["PDS_REDIS_SCRATCH_ADDRESS"] = redis.Address }));
        services.AddLogging();
        services.AddInfrastructure();
        return services.BuildServiceProvider().GetRequiredService<Pds.Application.OAuth.IReplayStore>();
    }

    [Fact]
    public async Task AValueUsedInOneProcess_IsRefusedInAnother_UntilItExpires()
    {
        var first = Store();
        var second = Store();
        Assert.IsType<Pds.Infrastructure.OAuth.RedisReplayStore>(first);
        var jti = "dpop:" + Guid.NewGuid().ToString("N");
        Assert.True(await first.TryUseAsync(jti, TimeSpan.FromMilliseconds(700)));
        Assert.False(await second.TryUseAsync(jti, TimeSpan.FromMilliseconds(700)));
        Assert.False(await first.TryUseAsync(jti, TimeSpan.FromMilliseconds(700)));

        await Task.Delay(1200);
        Assert.True(await second.TryUseAsync(jti, TimeSpan.FromMinutes(1)));
    }
}
