using System.Net.WebSockets;
using Pds.Domain.Data;
using Pds.Domain.Events;
using Pds.Domain.Repo;
using Pds.Domain.Repo.Car;
using Pds.Domain.Repo.Mst;

namespace Pds.Api.Tests.Processes;

/// <summary>subscribeRepos over a real WebSocket to a server process, and the checks a relay makes on what it reads.</summary>
internal static class ProcessFirehose
{
    public static async Task<ClientWebSocket> ConnectAsync(PdsProcess server, long? cursor)
    {
        var socket = new ClientWebSocket();
        var uri = new Uri($"ws://127.0.0.1:{server.Port}/xrpc/com.atproto.sync.subscribeRepos" + (cursor is null ? "" : $"?cursor={cursor}"));
        await socket.ConnectAsync(uri, CancellationToken.None);
        return socket;
    }

    /// <summary>Every frame until the stream has been quiet for <paramref name="quiet"/>.</summary>
    public static async Task<List<(int Op, string? Type, LexMap Payload)>> ReadUntilQuietAsync(WebSocket socket, TimeSpan quiet)
    {
        var frames = new List<(int Op, string? Type, LexMap Payload)>();
        while (await ReceiveAsync(socket, quiet) is { } frame)
        {
            frames.Add(frame);
        }

        return frames;
    }

    public static async Task<(int Op, string? Type, LexMap Payload)?> ReceiveAsync(WebSocket socket, TimeSpan timeout)
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

    /// <summary>
    /// Checks that one repository's <c>#commit</c> events form an unbroken chain, as a relay that
    /// verifies sync 1.1 does: each event's <c>since</c> is the previous event's <c>rev</c>, its
    /// <c>prevData</c> is the previous commit's data root, its ops invert to that root, and the last
    /// event is the repository's current head. Returns the ops seen, by path, with their CIDs.
    /// </summary>
    public static async Task<Dictionary<string, Cid?>> AssertUnbrokenChainAsync(IEnumerable<CommitEvent> commits, string headCid)
    {
        var state = new Dictionary<string, Cid?>(StringComparer.Ordinal);
        CommitEvent? previous = null;
        Cid? previousData = null;
        foreach (var evt in commits)
        {
            var (_, blocks) = await CarReader.ReadAllAsync(evt.Blocks);
            Assert.True(blocks.TryGet(evt.Commit, out var commitBytes), $"#commit {evt.Commit} lacks its commit block");
            var commit = Commit.Decode(commitBytes);
            if (previous is null)
            {
                Assert.Null(evt.Since);
            }
            else
            {
                Assert.True(evt.Since?.ToString() == previous.Rev.ToString(), $"gap: #commit rev {evt.Rev} has since {evt.Since}, but the previous event was rev {previous.Rev}");
                Assert.Equal(previousData, evt.PrevData);
                Assert.True(await MstInversion.VerifyAsync(MstTree.Load(blocks, commit.Data), evt.Ops, evt.PrevData!), $"#commit {evt.Rev} does not invert to its prevData");
            }

            foreach (var op in evt.Ops)
            {
                state[op.Path] = op.Cid;
            }

            previous = evt;
            previousData = commit.Data;
        }

        Assert.NotNull(previous);
        Assert.Equal(headCid, previous!.Commit.ToString());
        return state;
    }
}
