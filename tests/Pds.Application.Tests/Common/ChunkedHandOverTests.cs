using Pds.Application.Common.Concurrency;

namespace Pds.Application.Tests.Common;

public sealed class ChunkedHandOverTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ReadAll_EveryItemInOrder_IncludingALastPartialChunk()
    {
        var handOver = new ChunkedHandOver<int>(chunkSize: 4, chunksInFlight: 2);
        var producer = Task.Run(async () =>
        {
            for (var i = 0; i < 103; i++)
            {
                await handOver.WriteAsync(i, CancellationToken.None);
            }

            await handOver.CompleteAsync(CancellationToken.None);
        });

        var read = new List<int>();
        using var patience = new CancellationTokenSource(Patience);
        await foreach (var item in handOver.ReadAllAsync(patience.Token))
        {
            read.Add(item);
        }

        await producer.WaitAsync(Patience);
        Assert.Equal(Enumerable.Range(0, 103), read);
    }

    [Fact]
    public async Task Write_WaitsOnceTheBoundIsReached_AndGoesOnWhenTheReaderTakesAChunk()
    {
        var handOver = new ChunkedHandOver<int>(chunkSize: 4, chunksInFlight: 2);
        var accepted = 0;
        ValueTask pending = default;
        for (var i = 0; i < 100; i++)
        {
            pending = handOver.WriteAsync(i, CancellationToken.None);
            if (!pending.IsCompleted)
            {
                break;
            }

            accepted++;
        }

        // Two full chunks wait in the hand-over; the third, full, waits for room.
        Assert.Equal(11, accepted);
        Assert.False(pending.IsCompleted);
        Assert.True(handOver.MaxItemsHeld >= accepted + 1);

        await using var reader = handOver.ReadAllAsync().GetAsyncEnumerator();
        Assert.True(await reader.MoveNextAsync());
        Assert.Equal(0, reader.Current);
        await pending.AsTask().WaitAsync(Patience);
    }

    [Fact]
    public async Task Write_WaitingForRoom_EndsWhenCancelled()
    {
        var handOver = new ChunkedHandOver<int>(chunkSize: 1, chunksInFlight: 1);
        await handOver.WriteAsync(1, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var waiting = handOver.WriteAsync(2, cancel.Token);
        Assert.False(waiting.IsCompleted);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.AsTask().WaitAsync(Patience));
    }

    [Fact]
    public async Task Fail_TheReaderGetsTheItemsBefore_ThenTheError()
    {
        var handOver = new ChunkedHandOver<int>(chunkSize: 2, chunksInFlight: 4);
        for (var i = 0; i < 4; i++)
        {
            await handOver.WriteAsync(i, CancellationToken.None);
        }

        handOver.Fail(new InvalidDataException("bad record"));
        var read = new List<int>();
        var error = await Assert.ThrowsAsync<InvalidDataException>(async () =>
        {
            await foreach (var item in handOver.ReadAllAsync())
            {
                read.Add(item);
            }
        });
        Assert.Equal("bad record", error.Message);
        Assert.Equal([0, 1, 2, 3], read);
    }
}
