using Pds.Application.Common.Abstractions;

namespace Pds.Infrastructure.Firehose;

/// <summary>
/// Tells the firehose what has committed. A local write transaction hands over the events it
/// appended, with their numbers, so the firehose can take them without reading the log back; a
/// PostgreSQL notification names the number a write made by any server process reached; a plain
/// pulse (a reconnected listener, an event whose number is not known) asks for a read of the log.
/// </summary>
public sealed class SequencerSignal
{
    /// <summary>Events held for the firehose at most; beyond that they are dropped and the log is read instead.</summary>
    public const int MaxHandedOver = 4096;

    private readonly Lock _lock = new();
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private List<SequencedEvent> _committed = [];
    private long _notified;
    private bool _readRequested;
    private int _committing;

    /// <summary>Asks the firehose to read the log: something may have committed.</summary>
    public void Pulse()
    {
        lock (_lock)
        {
            _readRequested = true;
        }

        Wake();
    }

    /// <summary>
    /// A local transaction that appended events is committing: until it ends (<see cref="Committed"/>
    /// or <see cref="CommitEnded"/>), a notification of its own events (which can arrive before the
    /// committing request hands them over) is no reason to read the log.
    /// </summary>
    public void Committing()
    {
        lock (_lock)
        {
            _committing++;
        }
    }

    /// <summary>The commit announced by <see cref="Committing"/> ended without handing its events over (failed, or their numbers are not known).</summary>
    public void CommitEnded(bool readLog)
    {
        lock (_lock)
        {
            _committing--;
            _readRequested |= readLog;
        }

        Wake();
    }

    /// <summary>
    /// Hands over events a local transaction appended and committed, in order, with their numbers,
    /// ending the commit announced by <see cref="Committing"/>.
    /// </summary>
    public void Committed(IReadOnlyList<SequencedEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        lock (_lock)
        {
            _committing--;
            if (_committed.Count + events.Count > MaxHandedOver)
            {
                // Nobody is taking them (or not fast enough): the log has them all.
                _committed.Clear();
                _readRequested = true;
            }
            else
            {
                _committed.AddRange(events);
            }
        }

        Wake();
    }

    /// <summary>A notification: events up to <paramref name="seq"/> have committed (null: unknown, read the log).</summary>
    public void Notified(long? seq)
    {
        lock (_lock)
        {
            if (seq is { } n)
            {
                _notified = Math.Max(_notified, n);
            }
            else
            {
                _readRequested = true;
            }
        }

        Wake();
    }

    /// <summary>
    /// Takes what has been announced since the last call: the events handed over (in the order
    /// they were handed over), the highest number notified, whether a read of the log was asked
    /// for, and whether local commits are still under way (whose events will be handed over).
    /// </summary>
    public (IReadOnlyList<SequencedEvent> Committed, long Notified, bool ReadRequested, bool Committing) Take()
    {
        lock (_lock)
        {
            var committed = _committed;
            _committed = [];
            var read = _readRequested;
            _readRequested = false;
            return (committed, _notified, read, _committing > 0);
        }
    }

    private void Wake() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>
    /// The next announcement. Take it before looking for new events, then wait on it: one that
    /// lands while the events are being read still wakes the waiter.
    /// </summary>
    public Task NextPulse => Volatile.Read(ref _next).Task;

    /// <summary>
    /// Completes when <paramref name="next"/> (from <see cref="NextPulse"/>) does, with true, or
    /// after <paramref name="timeout"/>, with false. The timeout is the hub's polling fallback, so it
    /// happens once per poll on a quiet server: it is answered without throwing, which would
    /// otherwise show as a steady error rate in the runtime's exception counters.
    /// </summary>
    public static async Task<bool> WaitAsync(Task next, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        await next.WaitAsync(timeout, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
        return next.IsCompleted;
    }
}
