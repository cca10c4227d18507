using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;

namespace Pds.LoadGen;

public sealed record FirehoseResult(double P50Ms, double P99Ms, double MaxMs, double AchievedRate, long Expected, long Delivered);

/// <summary>Firehose fan-out: N live subscribers of com.atproto.sync.subscribeRepos while writers
/// create records at a steady (open-loop) rate; latency runs from the createRecord response (the
/// write's ack) to the arrival of the #commit frame carrying that commit's rev at each subscriber.</summary>
public static class Firehose
{
    public static async Task<FirehoseResult> RunAsync(Xrpc xrpc, IReadOnlyList<Account> writers, int subscribers, int rate, double seconds)
    {
        var wsUrl = new UriBuilder(xrpc.BaseUrl) { Scheme = "ws", Path = "/xrpc/com.atproto.sync.subscribeRepos" }.Uri;
        using var stop = new CancellationTokenSource();
        var frames = new List<(string Rev, long Ts)>[subscribers];
        var sockets = new ClientWebSocket[subscribers];
        var loops = new Task[subscribers];
        for (var i = 0; i < subscribers; i++)
        {
            frames[i] = new List<(string, long)>(rate * (int)Math.Ceiling(seconds) + 64);
            sockets[i] = new ClientWebSocket();
            await sockets[i].ConnectAsync(wsUrl, CancellationToken.None).ConfigureAwait(false);
        }

        for (var i = 0; i < subscribers; i++)
        {
            loops[i] = ReceiveAsync(sockets[i], frames[i], stop.Token);
        }

        await Task.Delay(500).ConfigureAwait(false); // let every subscription settle

        var acks = new ConcurrentDictionary<string, long>();
        var total = (int)Math.Round(rate * seconds);
        var writes = new List<Task>(total);
        var start = Stopwatch.GetTimestamp();
        for (var k = 0; k < total; k++)
        {
            var due = start + (long)(k * (double)Stopwatch.Frequency / rate);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait).ConfigureAwait(false);
            }

            var n = k;
            writes.Add(Task.Run(async () =>
            {
                var rev = await xrpc.CreateRecordAsync(writers[n % writers.Count], n).ConfigureAwait(false);
                acks[rev] = Stopwatch.GetTimestamp();
            }));
        }

        await Task.WhenAll(writes).ConfigureAwait(false);
        var writeSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        // Wait for delivery of every acked commit to every subscriber (10 s at most).
        var deadline = Stopwatch.GetTimestamp() + 10 * Stopwatch.Frequency;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var done = true;
            for (var i = 0; i < subscribers && done; i++)
            {
                lock (frames[i])
                {
                    done = frames[i].Count(f => acks.ContainsKey(f.Rev)) >= acks.Count;
                }
            }

            if (done)
            {
                break;
            }

            await Task.Delay(50).ConfigureAwait(false);
        }

        await stop.CancelAsync().ConfigureAwait(false);
        foreach (var s in sockets)
        {
            s.Abort();
            s.Dispose();
        }

        try
        {
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }

        var latencies = new List<double>(total * subscribers);
        for (var i = 0; i < subscribers; i++)
        {
            lock (frames[i])
            {
                foreach (var (rev, ts) in frames[i])
                {
                    if (acks.TryGetValue(rev, out var ack))
                    {
                        // A frame may arrive before the HTTP response does; that counts as zero.
                        latencies.Add(Math.Max(0, Stopwatch.GetElapsedTime(ack, ts).TotalMilliseconds));
                    }
                }
            }
        }

        latencies.Sort();
        return new FirehoseResult(
            Stats.Percentile(latencies, 0.50),
            Stats.Percentile(latencies, 0.99),
            latencies.Count > 0 ? latencies[^1] : double.NaN,
            acks.Count / writeSeconds,
            (long)acks.Count * subscribers,
            latencies.Count);
    }

    private static async Task ReceiveAsync(ClientWebSocket socket, List<(string Rev, long Ts)> frames, CancellationToken ct)
    {
        var buffer = new byte[1 << 20];
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var len = 0;
                ValueWebSocketReceiveResult r;
                do
                {
                    if (len == buffer.Length)
                    {
                        Array.Resize(ref buffer, buffer.Length * 2);
                    }

                    r = await socket.ReceiveAsync(buffer.AsMemory(len), ct).ConfigureAwait(false);
                    len += r.Count;
                }
                while (!r.EndOfMessage && r.MessageType != WebSocketMessageType.Close);

                if (r.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                var ts = Stopwatch.GetTimestamp();
                if (FindRev(buffer.AsSpan(0, len)) is { } rev)
                {
                    lock (frames)
                    {
                        frames.Add((rev, ts));
                    }
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>The value of the "rev" key of a #commit frame body: DAG-CBOR text(3) "rev" followed
    /// by text(13), a TID.</summary>
    private static string? FindRev(ReadOnlySpan<byte> frame)
    {
        ReadOnlySpan<byte> key = [0x63, (byte)'r', (byte)'e', (byte)'v', 0x6D];
        var at = frame.IndexOf(key);
        return at < 0 || at + key.Length + 13 > frame.Length ? null : Encoding.ASCII.GetString(frame.Slice(at + key.Length, 13));
    }
}
