using System.Net;
using DnsClient;
using Microsoft.Extensions.DependencyInjection;
using Pds.Application.Common.Abstractions;
using Pds.Domain.Crypto;
using Pds.Domain.Identity;
using Pds.Infrastructure.Identity;
using Pds.TestKit;

namespace Pds.Infrastructure.Tests.Identity;

public sealed class HandleResolverTests : IAsyncLifetime
{
    private readonly LoopbackDnsServer _dns = new();
    private readonly LoopbackHttpServer _web = new();
    private readonly TestDatabase _db = new();
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        await _db.InitializeAsync();
        var services = new ServiceCollection();
        services.AddSingleton(_db.LoadOptions());
        services.AddSingleton(new HandleResolverEndpoints
        {
            NameServers = [new NameServer(IPAddress.Loopback, _dns.Port)],
            WellKnownUrl = handle => new Uri($"http://127.0.0.1:{_web.Port}/{handle}/.well-known/atproto-did"),
        });
        services.AddInfrastructure();
        _services = services.BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _dns.DisposeAsync();
        await _web.DisposeAsync();
        await _db.DisposeAsync();
    }

    private async Task<string?> ResolveAsync(string handle)
    {
        await using var scope = _services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IHandleResolver>().ResolveAsync(handle);
    }

    [Fact]
    public async Task Resolve_SingleDnsTxtRecord_ReturnsDid()
    {
        _dns.Txt["_atproto.alice.example.com"] = ["did=did:plc:ewvi7nxzyoun6zhxrhs64oiz"];
        Assert.Equal("did:plc:ewvi7nxzyoun6zhxrhs64oiz", await ResolveAsync("Alice.Example.com"));
    }

    [Fact]
    public async Task Resolve_ConflictingDnsRecords_IgnoresDnsAndFallsBackToHttps()
    {
        _dns.Txt["_atproto.bob.example.com"] = ["did=did:plc:ewvi7nxzyoun6zhxrhs64oiz", "did=did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"];
        Assert.Null(await ResolveAsync("bob.example.com"));

        _web.Bodies["/bob.example.com/.well-known/atproto-did"] = "did:web:bob.example.com\n";
        Assert.Equal("did:web:bob.example.com", await ResolveAsync("bob.example.com"));
    }

    [Fact]
    public async Task Resolve_NoDnsRecord_WellKnownDocument()
    {
        _web.Bodies["/carol.example.org/.well-known/atproto-did"] = "  did:plc:ewvi7nxzyoun6zhxrhs64oiz  ";
        Assert.Equal("did:plc:ewvi7nxzyoun6zhxrhs64oiz", await ResolveAsync("carol.example.org"));
    }

    [Fact]
    public async Task Resolve_NonDidAnswers_Null()
    {
        _dns.Txt["_atproto.dave.example.com"] = ["did=not-a-did", "v=spf1 -all"];
        _web.Bodies["/dave.example.com/.well-known/atproto-did"] = "<html>hello</html>";
        Assert.Null(await ResolveAsync("dave.example.com"));
        Assert.Null(await ResolveAsync("not a handle"));
    }

    [Fact]
    public async Task Resolve_OversizedWellKnown_Null()
    {
        _web.Bodies["/erin.example.com/.well-known/atproto-did"] = "did:plc:ewvi7nxzyoun6zhxrhs64oiz" + new string(' ', 10_000);
        Assert.Null(await ResolveAsync("erin.example.com"));
    }
}

public sealed class DidResolverTests : IAsyncLifetime
{
    private readonly LoopbackHttpServer _web = new();
    private readonly TestDatabase _db = new();
    private ServiceProvider _services = null!;

    private string Did => $"did:web:localhost%3A{_web.Port}";

    public async Task InitializeAsync()
    {
        await _db.InitializeAsync();
        await _db.MigrateAsync();
        var services = new ServiceCollection();
        services.AddSingleton(_db.LoadOptions(new Dictionary<string, string> { ["PDS_DID_CACHE_STALE_TTL"] = "3600000" }));
        services.AddInfrastructure();
        _services = services.BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _web.DisposeAsync();
        await _db.DisposeAsync();
    }

    private async Task<ResolvedDid?> ResolveAsync(string did, bool force = false)
    {
        await using var scope = _services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IDidResolver>().ResolveAsync(did, force);
    }

    private string DocumentJson(string id, string handle)
    {
        using var key = Secp256k1Keypair.Generate();
        var data = new PlcData(id, [], new Dictionary<string, string> { ["atproto"] = key.DidKey() }, ["at://" + handle], new Dictionary<string, PlcService> { ["atproto_pds"] = new("AtprotoPersonalDataServer", "https://pds.example.com") });
        return DidDocument.FromPlcData(data).ToJson();
    }

    [Fact]
    public async Task Resolve_DidWebOnLocalhost_FetchesOverHttpAndCaches()
    {
        _web.Bodies["/.well-known/did.json"] = DocumentJson(Did, "first.example.com");
        var first = await ResolveAsync(Did);
        Assert.Equal("first.example.com", first!.Document.GetHandle()?.ToString());

        _web.Bodies["/.well-known/did.json"] = DocumentJson(Did, "second.example.com");
        var cached = await ResolveAsync(Did);
        Assert.Equal("first.example.com", cached!.Document.GetHandle()?.ToString());

        var refreshed = await ResolveAsync(Did, force: true);
        Assert.Equal("second.example.com", refreshed!.Document.GetHandle()?.ToString());
    }

    [Fact]
    public async Task Resolve_DocumentForAnotherDid_Throws()
    {
        _web.Bodies["/.well-known/did.json"] = DocumentJson("did:web:elsewhere.example.com", "x.example.com");
        await Assert.ThrowsAsync<IdentityResolutionException>(() => ResolveAsync(Did, force: true));
    }

    [Fact]
    public async Task Resolve_NotServed_Null()
    {
        _web.Bodies.Remove("/.well-known/did.json");
        Assert.Null(await ResolveAsync(Did, force: true));
    }

    [Fact]
    public async Task Resolve_OversizedDocument_Throws()
    {
        _web.Bodies["/.well-known/did.json"] = DocumentJson(Did, "big.example.com").Replace("{", "{\"pad\":\"" + new string('x', 70_000) + "\",", StringComparison.Ordinal);
        await Assert.ThrowsAsync<IdentityResolutionException>(() => ResolveAsync(Did, force: true));
    }

    [Fact]
    public async Task Resolve_DidWebWithPath_Throws()
    {
        await Assert.ThrowsAsync<IdentityResolutionException>(() => ResolveAsync("did:web:example.com:user:alice", force: true));
    }
}
