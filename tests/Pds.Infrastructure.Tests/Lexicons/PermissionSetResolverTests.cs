using System.Net;
using DnsClient;
using Microsoft.Extensions.DependencyInjection;
using Pds.Application.OAuth;
using Pds.Domain.Crypto;
using Pds.Infrastructure.Identity;
using Pds.Infrastructure.Lexicons;
using Pds.TestKit;

namespace Pds.Infrastructure.Tests.Lexicons;

/// <summary>
/// Lexicon resolution of permission sets over real DNS, HTTP, did:web and a signed record proof,
/// against a loopback stand-in for the lexicon author.
/// </summary>
public sealed class PermissionSetResolverTests : IAsyncLifetime
{
    private const string Nsid = "com.example.authBasicFeatures";
    private readonly LoopbackLexiconPublisher _publisher = new();
    private readonly TestDatabase _db = new();
    private readonly ManualClock _clock = new();
    private ServiceProvider _services = null!;

    private static string SetJson(string collection = "com.example.post", string type = "permission-set") =>
        "{\"lexicon\":1,\"id\":\"" + Nsid + "\",\"defs\":{\"main\":{\"type\":\"" + type
        + "\",\"title\":\"Basic features\",\"detail\":\"Posting\",\"permissions\":[{\"type\":\"permission\",\"resource\":\"repo\",\"collection\":[\""
        + collection + "\"]}]}}}";

    public async Task InitializeAsync()
    {
        await _db.InitializeAsync();
        await _db.MigrateAsync();
        var services = new ServiceCollection();
        services.AddSingleton(_db.LoadOptions());
        services.AddSingleton(new HandleResolverEndpoints { NameServers = [new NameServer(IPAddress.Loopback, _publisher.Dns.Port)] });
        services.AddSingleton(new OAuthSettings { Issuer = "https://pds.example.com", Audience = "did:web:pds.example.com", AllowLoopbackClientMetadata = true });
        services.AddLogging();
        services.AddInfrastructure();
        services.AddSingleton<TimeProvider>(_clock);
        _services = services.BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _publisher.DisposeAsync();
        await _db.DisposeAsync();
    }

    private async Task<Domain.OAuth.PermissionSet?> ResolveAsync(string nsid = Nsid)
    {
        await using var scope = _services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IPermissionSetResolver>().ResolveAsync(nsid);
    }

    [Fact]
    public async Task PublishedSet_ResolvesThroughDnsDidAndProof_ThenComesFromTheCache()
    {
        _publisher.Publish(Nsid, SetJson());
        _publisher.Publish("com.example.other", """{"lexicon":1,"id":"com.example.other","defs":{"main":{"type":"query"}}}""");

        var set = await ResolveAsync();
        Assert.NotNull(set);
        Assert.Equal("Basic features", set!.Title);
        Assert.Equal(["repo:com.example.post"], set.Expand(null));
        Assert.Equal(1, _publisher.Fetches);

        Assert.NotNull(await ResolveAsync());
        Assert.Equal(1, _publisher.Fetches);
    }

    [Fact]
    public async Task NoDnsRecord_IsUnresolved()
    {
        Assert.Null(await ResolveAsync("org.nowhere.authAll"));
        Assert.Equal(0, _publisher.Fetches);
    }

    [Fact]
    public async Task ProofSignedByAnotherKey_IsRejected()
    {
        _publisher.Publish(Nsid, SetJson());
        _publisher.ForgedKey = Secp256k1Keypair.Generate();
        Assert.Null(await ResolveAsync());
        Assert.Equal(1, _publisher.Fetches);
    }

    [Fact]
    public async Task ALexiconThatIsNotAPermissionSet_IsRejected()
    {
        _publisher.Publish(Nsid, SetJson(type: "query"));
        Assert.Null(await ResolveAsync());
    }

    [Fact]
    public async Task StaleEntries_Refresh_AndSurviveAFailedRefreshUntilTheyExpire()
    {
        _publisher.Publish(Nsid, SetJson());
        Assert.Equal(["repo:com.example.post"], (await ResolveAsync())!.Expand(null));

        // A day later the set is re-resolved and the author's update is seen.
        _publisher.Lexicons[Nsid] = SetJson(collection: "com.example.like");
        _clock.Advance(PermissionSetCache.StaleAfter + TimeSpan.FromMinutes(1));
        Assert.Equal(["repo:com.example.like"], (await ResolveAsync())!.Expand(null));
        Assert.Equal(2, _publisher.Fetches);

        // The author disappears: the stale copy still serves, until it expires.
        _publisher.Lexicons.Clear();
        _clock.Advance(PermissionSetCache.StaleAfter + TimeSpan.FromMinutes(1));
        Assert.Equal(["repo:com.example.like"], (await ResolveAsync())!.Expand(null));
        _clock.Advance(PermissionSetCache.ExpireAfter);
        Assert.Null(await ResolveAsync());
    }
}
