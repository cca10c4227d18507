using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Domain.Data;
using Pds.Domain.Events;

namespace Pds.Infrastructure.Firehose;

/// <summary>Sizing of the firehose's shared buffer.</summary>
public sealed class FirehoseOptions
{
    /// <summary>How many recent frames are kept in memory; a live subscriber further behind than this is too slow.</summary>
    public int RingCapacity { get; init; } = 8192;

    /// <summary>How long the hub waits for an announcement before it reads the event log anyway.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>One encoded firehose frame and when its event was sequenced.</summary>
public sealed record FirehoseEntry(long Seq, byte[] Frame, DateTime SequencedAt);

/// <summary>
/// The shared side of com.atproto.sync.subscribeRepos. One loop reads newly committed events from
/// the event log (woken by <see cref="SequencerSignal"/>, or by polling) and keeps the most recent
/// encoded frames in a ring that every subscriber reads from; older positions are read from the
/// database. Subscribers hold only a position, so memory per subscriber is constant, and a slow
/// one never delays the others: once its position leaves the ring while it is live, it is dropped
/// with <c>ConsumerTooSlow</c>.
/// </summary>
public sealed partial class FirehoseHub(
    IServiceScopeFactory scopes,
    SequencerSignal signal,
    PdsOptions options,
    FirehoseOptions firehoseOptions,
    TimeProvider clock,
    ILogger<FirehoseHub> logger)
    : BackgroundService
{
    private const int PageSize = 500;

    private readonly Lock _lock = new();
    private readonly int RingCapacity = firehoseOptions.RingCapacity;
    private readonly FirehoseEntry?[] _ring = new FirehoseEntry?[firehoseOptions.RingCapacity];
    private long _head;
    private long _oldest = 1;
    private TaskCompletionSource _appended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Never disposed: StopAsync may run after the container has disposed the hub (hosts are stopped
    // again on disposal), and a token source without timers holds nothing to release.
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>The highest sequence number the hub has read.</summary>
    public long Head => Interlocked.Read(ref _head);

    /// <summary>
    /// Completes once the hub has read events beyond <paramref name="seq"/> (null: the head at start,
    /// so only events committed from now on count), returning the new head.
    /// </summary>
    public async Task<long> WaitForEventsAfterAsync(long? seq, CancellationToken cancellationToken)
    {
        await _ready.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        var after = seq ?? Head;
        while (true)
        {
            Task appended;
            lock (_lock)
            {
                if (_head > after)
                {
                    return _head;
                }

                appended = _appended.Task;
            }

            await appended.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Ends every subscription when the server stops, so no request outlives the host.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await using (var scope = scopes.CreateAsyncScope())
            {
                var current = await scope.ServiceProvider.GetRequiredService<ISequencer>().CurrentAsync(stoppingToken).ConfigureAwait(false) ?? 0;
                lock (_lock)
                {
                    _head = current;
                    _oldest = current + 1;
                }
            }

            _ready.TrySetResult();
            var read = true;
            while (!stoppingToken.IsCancellationRequested)
            {
                // Taken before looking, so an announcement made meanwhile is not slept through.
                var pulse = signal.NextPulse;
                var (committed, notified, readRequested, committing) = signal.Take();
                // This process's own commits come with their events: only a gap in the numbers
                // (another process's write, or announcements taken out of order), a notification
                // beyond them (unless a local commit, maybe the notified one, is still handing its
                // events over: its end wakes this loop again), a plain pulse or the poll needs the log.
                var gap = !TakeCommitted(committed);
                var failed = false;
                if (read || readRequested || gap || (notified > Head && !committing))
                {
                    try
                    {
                        await ReadNewAsync(stoppingToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        LogReadFailed(logger, e);
                        failed = true;
                    }
                }

                // Woken by nothing for a poll interval: read anyway (the fallback).
                read = !await SequencerSignal.WaitAsync(pulse, firehoseOptions.PollInterval, stoppingToken).ConfigureAwait(false) || failed;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            _ready.TrySetResult();
        }
    }

    private async Task ReadNewAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var sequencer = scope.ServiceProvider.GetRequiredService<ISequencer>();
        while (true)
        {
            var events = await sequencer.ReadAfterAsync(Head, PageSize, cancellationToken).ConfigureAwait(false);
            if (events.Count == 0)
            {
                return;
            }

            Append(events.Select(Encode).ToList());
            if (events.Count < PageSize)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Adds events handed over by this process's commits, in order. Says false (and adds none
    /// beyond the gap) when one does not follow the head: the log must be read.
    /// </summary>
    private bool TakeCommitted(IReadOnlyList<SequencedEvent> committed)
    {
        var entries = new List<FirehoseEntry>(committed.Count);
        var head = Head;
        foreach (var e in committed)
        {
            if (e.Seq <= head)
            {
                continue;
            }

            if (e.Seq != head + 1)
            {
                Append(entries);
                return false;
            }

            entries.Add(Encode(e));
            head = e.Seq;
        }

        Append(entries);
        return true;
    }

    /// <summary>Adds entries in ascending order; any at or below the head (read twice) are skipped.</summary>
    private void Append(List<FirehoseEntry> entries)
    {
        if (entries.Count == 0)
        {
            return;
        }

        lock (_lock)
        {
            foreach (var entry in entries)
            {
                if (entry.Seq <= _head)
                {
                    continue;
                }

                _ring[entry.Seq % RingCapacity] = entry;
                _head = entry.Seq;
                _oldest = Math.Max(_oldest, entry.Seq - RingCapacity + 1);
            }

            Interlocked.Exchange(ref _appended, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    public static FirehoseEntry Encode(SequencedEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var frame = FirehoseFrame.Message("#" + e.EventType, e.Seq, DagCbor.DecodeMap(e.Event));
        return new FirehoseEntry(e.Seq, frame, e.SequencedAt);
    }

    /// <summary>
    /// The frames a subscriber receives: with a cursor, every event after it (an <c>OutdatedCursor</c>
    /// info first when the cursor is older than the backfill window, a <c>FutureCursor</c> error when it
    /// is ahead of the log), then live events as they commit.
    /// </summary>
    public async IAsyncEnumerable<byte[]> SubscribeAsync(long? cursor, [EnumeratorCancellation] CancellationToken requestToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestToken, _stopping.Token);
        var cancellationToken = linked.Token;
        await _ready.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        long position;
        if (cursor is { } requested)
        {
            if (requested > Head)
            {
                // The hub may simply not have read the newest events yet.
                await ReadNewAsync(cancellationToken).ConfigureAwait(false);
                if (requested > Head)
                {
                    yield return FirehoseFrame.Error("FutureCursor", "Cursor in the future.");
                    yield break;
                }
            }

            position = requested;
            // With nothing sequenced inside the window, the window starts after the newest event.
            var start = await FirstSeqInBackfillWindowAsync(cancellationToken).ConfigureAwait(false) ?? Head + 1;
            if (requested < start - 1)
            {
                yield return FirehoseFrame.Info("OutdatedCursor", "Requested cursor exceeded limit. Possibly missing events");
                position = start - 1;
            }
        }
        else
        {
            position = Head;
        }

        var live = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            TaskCompletionSource appended;
            List<FirehoseEntry>? batch = null;
            lock (_lock)
            {
                appended = _appended;
                if (position + 1 < _oldest)
                {
                    if (live)
                    {
                        batch = null;
                    }
                }
                else
                {
                    batch = [];
                    for (var seq = position + 1; seq <= _head && batch.Count < PageSize; seq++)
                    {
                        if (_ring[seq % RingCapacity] is { } entry && entry.Seq == seq)
                        {
                            batch.Add(entry);
                        }
                    }
                }
            }

            if (batch is null && live)
            {
                yield return FirehoseFrame.Error("ConsumerTooSlow", "Stream consumer too slow");
                yield break;
            }

            if (batch is null)
            {
                // Behind the ring: catch up from the database.
                var page = await ReadFromLogAsync(position, cancellationToken).ConfigureAwait(false);
                foreach (var entry in page)
                {
                    position = entry.Seq;
                    yield return entry.Frame;
                }

                if (page.Count == 0)
                {
                    live = true;
                }

                continue;
            }

            if (batch.Count == 0)
            {
                live = true;
                await appended.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            foreach (var entry in batch)
            {
                position = entry.Seq;
                yield return entry.Frame;
            }
        }
    }

    private async Task<IReadOnlyList<FirehoseEntry>> ReadFromLogAsync(long after, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var events = await scope.ServiceProvider.GetRequiredService<ISequencer>().ReadAfterAsync(after, PageSize, cancellationToken).ConfigureAwait(false);
        return events.Where(e => e.Seq <= Head).Select(Encode).ToList();
    }

    private async Task<long?> FirstSeqInBackfillWindowAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var since = clock.GetUtcNow().UtcDateTime - options.Limits.RepoBackfillLimit;
        return await scope.ServiceProvider.GetRequiredService<ISequencer>().FirstSeqSinceAsync(since, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "reading the event log for the firehose failed")]
    private static partial void LogReadFailed(ILogger logger, Exception exception);
}
