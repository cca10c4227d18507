using Pds.Api.Tests.Xrpc;
using Pds.Domain.Events;
using Pds.TestKit;

namespace Pds.Api.Tests.Processes;

/// <summary>
/// Two server processes on one database and data directory: writes through either reach the
/// firehose subscribers of both, and a live subscriber misses nothing that a later replay shows.
/// </summary>
public sealed class TwoProcessTests : IAsyncLifetime
{
    private readonly TestDatabase _database = new();

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task ConcurrentWritesThroughBothProcesses_EverySubscriberSeesEveryEventInOrder()
    {
        await using var first = await PdsProcess.StartAsync(_database.Settings);
        await using var second = await PdsProcess.StartAsync(_database.Settings);
        var alice = await first.Client.CreateAccountAsync();
        var bob = await second.Client.CreateAccountAsync();

        using var onFirst = await ProcessFirehose.ConnectAsync(first, null);
        using var onSecond = await ProcessFirehose.ConnectAsync(second, null);
        await Task.Delay(500);

        // One write through the first process reaches the second's subscriber promptly.
        var probe = await (await first.Client.PostAsync("com.atproto.repo.createRecord", Post(alice.Did, "probe"), alice.AccessJwt)).ReadOkJsonAsync();
        var probeCommit = probe.GetProperty("commit").GetProperty("cid").GetString();
        var started = DateTime.UtcNow;
        while (true)
        {
            var frame = await ProcessFirehose.ReceiveAsync(onSecond, TimeSpan.FromSeconds(10));
            Assert.NotNull(frame);
            if (frame.Value.Payload.GetLink("commit")?.ToString() == probeCommit)
            {
                break;
            }
        }

        var latency = DateTime.UtcNow - started;
        Assert.True(latency < TimeSpan.FromSeconds(3), $"the other process delivered the event after {latency}");

        // Then both processes write at once, to different repositories.
        await Task.WhenAll(
            Task.Run(async () =>
            {
                for (var i = 0; i < 25; i++)
                {
                    await (await first.Client.PostAsync("com.atproto.repo.createRecord", Post(alice.Did, $"a{i}"), alice.AccessJwt)).ReadOkJsonAsync();
                }
            }),
            Task.Run(async () =>
            {
                for (var i = 0; i < 25; i++)
                {
                    await (await second.Client.PostAsync("com.atproto.repo.createRecord", Post(bob.Did, $"b{i}"), bob.AccessJwt)).ReadOkJsonAsync();
                }
            }));

        var liveFirst = await ProcessFirehose.ReadUntilQuietAsync(onFirst, TimeSpan.FromSeconds(4));
        var liveSecond = (await ProcessFirehose.ReadUntilQuietAsync(onSecond, TimeSpan.FromSeconds(4))).Select(Seq).ToList();

        // What a replay from before the probe holds is exactly what each live subscriber saw.
        var probeSeq = liveFirst.Where(f => f.Payload.GetLink("commit")?.ToString() == probeCommit).Select(Seq).Single();
        using var replaySocket = await ProcessFirehose.ConnectAsync(second, probeSeq);
        var replay = await ProcessFirehose.ReadUntilQuietAsync(replaySocket, TimeSpan.FromSeconds(3));
        var replaySeqs = replay.Select(Seq).ToList();
        Assert.Equal(50, replay.Count(f => f.Type == CommitEvent.TypeName));
        Assert.Equal(replaySeqs, liveFirst.Select(Seq).Where(s => s > probeSeq).ToList());
        Assert.Equal(replaySeqs, liveSecond);
        Assert.Equal(replaySeqs.Order(), replaySeqs);

        // Each repository's chain is unbroken whichever process wrote it.
        foreach (var account in new[] { alice, bob })
        {
            var head = await (await first.Client.GetAsync($"com.atproto.sync.getLatestCommit?did={account.Did}", null)).ReadOkJsonAsync();
            using var fromStart = await ProcessFirehose.ConnectAsync(first, 0);
            var all = await ProcessFirehose.ReadUntilQuietAsync(fromStart, TimeSpan.FromSeconds(3));
            await ProcessFirehose.AssertUnbrokenChainAsync(
                all.Where(f => f.Type == CommitEvent.TypeName && f.Payload.GetString("repo") == account.Did)
                    .Select(f => (CommitEvent)RepoEvent.FromPayload(CommitEvent.TypeName, f.Payload)),
                head.GetProperty("cid").GetString()!);
        }
    }

    private static long Seq((int Op, string? Type, Pds.Domain.Data.LexMap Payload) frame) => frame.Payload.GetInteger("seq")!.Value;

    private static object Post(string did, string text) => new
    {
        repo = did,
        collection = "app.bsky.feed.post",
        record = new Dictionary<string, object> { ["$type"] = "app.bsky.feed.post", ["text"] = text, ["createdAt"] = "2026-11-24T00:00:00Z" },
    };
}
