using System.Net.WebSockets;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Pds.Domain.Data;
using Pds.Domain.Events;
using Pds.Domain.Repo;
using Pds.Domain.Repo.Car;
using Pds.Domain.Repo.Mst;
using Pds.Infrastructure.Firehose;

namespace Pds.Api.Tests.Xrpc.Sync;

/// <summary>com.atproto.sync.subscribeRepos over a real WebSocket to the in-process server.</summary>
public sealed class SubscribeReposTests(PdsApiFactory factory) : IClassFixture<PdsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    internal static async Task<WebSocket> ConnectAsync(PdsApiFactory server, long? cursor)
    {
        var client = server.Server.CreateWebSocketClient();
        var uri = new Uri(server.Server.BaseAddress, "/xrpc/com.atproto.sync.subscribeRepos" + (cursor is null ? "" : $"?cursor={cursor}"));
        uri = new UriBuilder(uri) { Scheme = "ws" }.Uri;
        return await client.ConnectAsync(uri, CancellationToken.None);
    }

    internal static async Task<(int Op, string? Type, LexMap Payload)?> ReceiveAsync(WebSocket socket, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[1 << 20];
        var total = 0;
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(total), cts.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return null;
                }

                total += result.Count;
                if (result.EndOfMessage)
                {
                    return FirehoseFrame.Decode(buffer.AsMemory(0, total));
                }
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private static async Task<List<(int Op, string? Type, LexMap Payload)>> ReceiveUntilAsync(WebSocket socket, Func<(int Op, string? Type, LexMap Payload), bool> last)
    {
        var frames = new List<(int, string?, LexMap)>();
        while (await ReceiveAsync(socket, TimeSpan.FromSeconds(10)) is { } frame)
        {
            frames.Add(frame);
            if (last(frame))
            {
                return frames;
            }
        }

        throw new TimeoutException($"stream ended after {frames.Count} frames");
    }

    [Fact]
    public async Task Subscribe_FromCursorZero_ReplaysAccountCreationInOrder()
    {
        var account = await _client.CreateAccountAsync();
        using var socket = await ConnectAsync(factory, 0);
        var frames = await ReceiveUntilAsync(socket, f => f.Type == "#sync" && f.Payload.GetString("did") == account.Did);

        var mine = frames.Where(f => (f.Payload.GetString("did") ?? f.Payload.GetString("repo")) == account.Did).Select(f => f.Type).ToList();
        Assert.Equal(["#identity", "#account", "#commit", "#sync"], mine);
        var seqs = frames.Select(f => f.Payload.GetInteger("seq")!.Value).ToList();
        Assert.Equal(seqs.Order(), seqs);
        Assert.Equal(seqs.Count, seqs.Distinct().Count());
    }

    [Fact]
    public async Task Subscribe_Live_CommitFrameCarriesInvertibleProof()
    {
        var account = await _client.CreateAccountAsync();
        using var socket = await ConnectAsync(factory, null);
        await Task.Delay(200);
        var created = await (await _client.PostAsync("com.atproto.repo.createRecord", new { repo = account.Did, collection = "app.bsky.feed.post", record = new Dictionary<string, object> { ["$type"] = "app.bsky.feed.post", ["text"] = "live", ["createdAt"] = "2026-11-24T00:00:00Z" } }, account.AccessJwt)).ReadOkJsonAsync();
        var commitCid = created.GetProperty("commit").GetProperty("cid").GetString();

        var frames = await ReceiveUntilAsync(socket, f => f.Type == "#commit" && f.Payload.GetLink("commit")?.ToString() == commitCid);
        var evt = (CommitEvent)RepoEvent.FromPayload(CommitEvent.TypeName, frames[^1].Payload);
        var (_, blocks) = await CarReader.ReadAllAsync(evt.Blocks);
        Assert.True(blocks.TryGet(evt.Commit, out var commitBytes));
        var commit = Commit.Decode(commitBytes);
        Assert.True(await MstInversion.VerifyAsync(MstTree.Load(blocks, commit.Data), evt.Ops, evt.PrevData!));
        Assert.Equal(created.GetProperty("commit").GetProperty("rev").GetString(), evt.Rev.ToString());
        Assert.NotNull(evt.Since);
    }

    [Fact]
    public async Task Subscribe_CursorAhead_FutureCursorErrorThenClose()
    {
        var hub = factory.Services.GetRequiredService<FirehoseHub>();
        using var socket = await ConnectAsync(factory, hub.Head + 1_000_000);
        var frame = await ReceiveAsync(socket, TimeSpan.FromSeconds(10));
        Assert.NotNull(frame);
        Assert.Equal(-1, frame.Value.Op);
        Assert.Equal("FutureCursor", frame.Value.Payload.GetString("error"));
        Assert.Null(await ReceiveAsync(socket, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Subscribe_ReplayAfterCursor_StartsRightAfterIt()
    {
        await _client.CreateAccountAsync();
        var hub = factory.Services.GetRequiredService<FirehoseHub>();
        await WaitForAsync(() => hub.Head >= 4);
        var cursor = hub.Head - 2;
        using var socket = await ConnectAsync(factory, cursor);
        var first = await ReceiveAsync(socket, TimeSpan.FromSeconds(10));
        Assert.Equal(cursor + 1, first!.Value.Payload.GetInteger("seq"));
    }

    [Fact]
    public async Task Subscribe_BadCursor_400()
    {
        var response = await _client.GetAsync("/xrpc/com.atproto.sync.subscribeRepos?cursor=abc");
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, System.Net.HttpStatusCode.BadRequest, "InvalidRequest");
    }

    internal static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition());
    }
}

/// <summary>A server whose backfill window is empty and whose frame ring is tiny, to reach the edge cases.</summary>
public sealed class TinyFirehoseFactory : PdsApiFactory
{
    protected override IReadOnlyDictionary<string, string> ExtraSettings { get; } = new Dictionary<string, string>
    {
        ["PDS_REPO_BACKFILL_LIMIT_MS"] = "0",
        ["PDS_MAX_SUBSCRIPTION_BUFFER"] = "16",
    };
}

public sealed class SubscribeReposEdgeTests(TinyFirehoseFactory factory) : IClassFixture<TinyFirehoseFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Subscribe_CursorOlderThanBackfillWindow_OutdatedCursorInfoFirst()
    {
        await _client.CreateAccountAsync();
        var hub = factory.Services.GetRequiredService<FirehoseHub>();
        await SubscribeReposTests.WaitForAsync(() => hub.Head >= 4);
        using var socket = await SubscribeReposTests.ConnectAsync(factory, 1);
        var frame = await SubscribeReposTests.ReceiveAsync(socket, TimeSpan.FromSeconds(10));
        Assert.Equal("#info", frame!.Value.Type);
        Assert.Equal("OutdatedCursor", frame.Value.Payload.GetString("name"));
    }

    [Fact]
    public async Task Subscribe_ConsumerStopsReading_DroppedWithConsumerTooSlowWhileOthersKeepUp()
    {
        var account = await _client.CreateAccountAsync();
        var hub = factory.Services.GetRequiredService<FirehoseHub>();
        using var slow = new CancellationTokenSource();
        var stalled = hub.SubscribeAsync(null, slow.Token).GetAsyncEnumerator(slow.Token);

        // Its first frame is taken, then it stops reading while many events are written.
        var firstWrite = PostAsync(account, "first");
        Assert.True(await stalled.MoveNextAsync());
        await firstWrite;
        using var healthy = await SubscribeReposTests.ConnectAsync(factory, null);
        for (var i = 0; i < 40; i++)
        {
            await PostAsync(account, "burst " + i);
        }

        // The healthy subscriber sees the newest write.
        var head = hub.Head;
        (int Op, string? Type, LexMap Payload)? last = null;
        while (last is null || last.Value.Payload.GetInteger("seq") < head)
        {
            last = await SubscribeReposTests.ReceiveAsync(healthy, TimeSpan.FromSeconds(10));
            Assert.NotNull(last);
            Assert.NotEqual(-1, last.Value.Op);
        }

        // The stalled one, resuming, is told it was too slow and the stream ends.
        byte[]? error = null;
        while (await stalled.MoveNextAsync())
        {
            if (FirehoseFrame.Decode(stalled.Current).Op == -1)
            {
                error = stalled.Current;
            }
        }

        Assert.NotNull(error);
        Assert.Equal("ConsumerTooSlow", FirehoseFrame.Decode(error).Payload.GetString("error"));
        await stalled.DisposeAsync();
    }

    private async Task PostAsync(TestAccount account, string text) =>
        await (await _client.PostAsync("com.atproto.repo.createRecord", new { repo = account.Did, collection = "app.bsky.feed.post", record = new Dictionary<string, object> { ["$type"] = "app.bsky.feed.post", ["text"] = text, ["createdAt"] = "2026-11-24T00:00:00Z" } }, account.AccessJwt)).ReadOkJsonAsync();
}
