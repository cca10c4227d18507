using Microsoft.Extensions.DependencyInjection;
using Pds.Domain.Data;

namespace Pds.Api.Tests.Xrpc.Sync;

/// <summary>Two servers on one database: the first and a second that shares its database and data directory.</summary>
public sealed class TwoServersFixture : IAsyncLifetime
{
    public PdsApiFactory First { get; } = new();

    public SharedDatabaseFactory Second { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await First.InitializeAsync();
        _ = First.Server;
        Second = new SharedDatabaseFactory(First);
        _ = Second.Server;
    }

    public async Task DisposeAsync()
    {
        await Second.DisposeAsync();
        await ((IAsyncLifetime)First).DisposeAsync();
    }
}

/// <summary>
/// A second server process on the first one's database (its own firehose hub, its own listener).
/// On PostgreSQL its firehose does not poll: it learns of the first server's writes only from
/// their notifications. SQLite has none, so there it polls as usual.
/// </summary>
public sealed class SharedDatabaseFactory(PdsApiFactory first) : PdsApiFactory
{
    public override IReadOnlyDictionary<string, string> DatabaseSettings => first.DatabaseSettings;

    protected override void ConfigureTestServices(IServiceCollection services)
    {
        if (DatabaseSettings.GetValueOrDefault(Pds.Infrastructure.Configuration.PdsConfigurationKeys.DbProvider) == "postgres")
        {
            services.AddSingleton(new Pds.Infrastructure.Firehose.FirehoseOptions { PollInterval = TimeSpan.FromHours(1) });
        }
    }
}

public sealed class TwoServersTests(TwoServersFixture servers) : IClassFixture<TwoServersFixture>
{
    [Fact]
    public async Task WriteThroughOneServer_ReachesFirehoseSubscribersOfTheOther()
    {
        var writer = servers.First.CreateClient();
        var account = await writer.CreateAccountAsync();
        using var socket = await SubscribeReposTests.ConnectAsync(servers.Second, null);
        await Task.Delay(300);

        var created = await (await writer.PostAsync(
            "com.atproto.repo.createRecord",
            new { repo = account.Did, collection = "app.bsky.feed.post", record = new Dictionary<string, object> { ["$type"] = "app.bsky.feed.post", ["text"] = "cross-process", ["createdAt"] = "2026-11-24T00:00:00Z" } },
            account.AccessJwt)).ReadOkJsonAsync();
        var commit = created.GetProperty("commit").GetProperty("cid").GetString();

        var started = DateTime.UtcNow;
        (int Op, string? Type, LexMap Payload)? frame;
        do
        {
            frame = await SubscribeReposTests.ReceiveAsync(socket, TimeSpan.FromSeconds(10));
            Assert.NotNull(frame);
        }
        while (frame.Value.Payload.GetLink("commit")?.ToString() != commit);

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));

        // And the second server reads what the first wrote.
        var reader = servers.Second.CreateClient();
        var latest = await (await reader.GetAsync($"com.atproto.sync.getLatestCommit?did={account.Did}", null)).ReadOkJsonAsync();
        Assert.Equal(commit, latest.GetProperty("cid").GetString());
    }
}
