using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Pds.Application.Common.Concurrency;

/// <summary>
/// Hands items from one producer to one consumer that runs at the same time, in chunks, with a
/// bound on what is held between them: the producer waits once <c>chunksInFlight</c> full chunks
/// are waiting for the consumer. At most <c>(chunksInFlight + 2) × chunkSize</c> items are alive
/// in the hand-over at once (those waiting, the chunk being filled and the chunk being read),
/// however many pass through it. Handing over a chunk at a time keeps the wake-ups between the two
/// sides to one per chunk.
/// </summary>
public sealed class ChunkedHandOver<T>
{
    private readonly Channel<T[]> _chunks;
    private readonly int _chunkSize;
    private readonly int _chunksInFlight;
    private T[] _filling;
    private int _filled;

    public ChunkedHandOver(int chunkSize, int chunksInFlight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunksInFlight, 1);
        _chunkSize = chunkSize;
        _chunksInFlight = chunksInFlight;
        _filling = new T[chunkSize];
        _chunks = Channel.CreateBounded<T[]>(new BoundedChannelOptions(chunksInFlight)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Most items held by the hand-over at any time.</summary>
    public int MaxItemsHeld => (_chunksInFlight + 2) * _chunkSize;

    /// <summary>Adds an item; waits while the consumer is a full bound behind.</summary>
    public ValueTask WriteAsync(T item, CancellationToken cancellationToken)
    {
        _filling[_filled++] = item;
        return _filled == _chunkSize ? SendAsync(cancellationToken) : ValueTask.CompletedTask;
    }

    private async ValueTask SendAsync(CancellationToken cancellationToken)
    {
        var chunk = _filling;
        _filling = new T[_chunkSize];
        _filled = 0;
        await _chunks.Writer.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Hands over the last items and ends the consumer's enumeration.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (_filled > 0)
        {
            var last = _filling.AsSpan(0, _filled).ToArray();
            _filled = 0;
            await _chunks.Writer.WriteAsync(last, cancellationToken).ConfigureAwait(false);
        }

        _chunks.Writer.Complete();
    }

    /// <summary>Ends the consumer's enumeration with <paramref name="error"/>, after the chunks already handed over.</summary>
    public void Fail(Exception error) => _chunks.Writer.TryComplete(error);

    /// <summary>Every item, in the order written; throws the producer's error, if it failed, once the items before it are read.</summary>
    public async IAsyncEnumerable<T> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var chunk in _chunks.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var item in chunk)
            {
                yield return item;
            }
        }
    }
}
