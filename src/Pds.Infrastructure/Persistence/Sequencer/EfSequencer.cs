using Microsoft.EntityFrameworkCore;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Infrastructure.Persistence.Rows;

namespace Pds.Infrastructure.Persistence.Sequencer;

/// <summary>
/// The event log in the main database. Sequence numbers come from a single counter row that is
/// incremented inside the caller's transaction: the row lock it takes is held until that
/// transaction ends, so numbers are handed out in commit order and a reader can never observe
/// seq N+1 before seq N has committed (or rolled back, leaving a permanent gap).
/// </summary>
public sealed class EfSequencer : ISequencer
{
    private readonly PdsDatabase _database;

    public EfSequencer(PdsDatabase database)
    {
        _database = database;
    }

    public async Task<long> AppendAsync(string did, string eventType, ReadOnlyMemory<byte> eventBytes, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(did);
        ArgumentException.ThrowIfNullOrEmpty(eventType);
        if (!_database.InTransaction)
        {
            throw new InvalidOperationException("Sequencer events must be appended inside the write transaction of the change they record.");
        }

        var context = _database.Context;
        await context.SequencerCounter
            .Where(c => c.Id == 1)
            .ExecuteUpdateAsync(u => u.SetProperty(c => c.Value, c => c.Value + 1), cancellationToken)
            .ConfigureAwait(false);
        var seq = await context.SequencerCounter
            .Where(c => c.Id == 1)
            .Select(c => c.Value)
            .SingleAsync(cancellationToken)
            .ConfigureAwait(false);

        context.SequencedEvents.Add(new SequencedEventRow
        {
            Seq = seq,
            Did = did,
            EventType = eventType,
            Event = eventBytes.ToArray(),
            SequencedAt = DateTime.UtcNow,
        });
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        if (_database.Provider == DatabaseProvider.Postgres)
        {
            // Delivered when the transaction commits, to every server process listening.
            await context.Database.ExecuteSqlRawAsync("SELECT pg_notify('pds_sequencer', '')", cancellationToken).ConfigureAwait(false);
        }

        _database.EventsAppended = true;
        return seq;
    }

    public async Task<IReadOnlyList<SequencedEvent>> ReadAfterAsync(long cursor, int limit, CancellationToken cancellationToken = default)
    {
        return await _database.Context.SequencedEvents
            .AsNoTracking()
            .Where(e => e.Seq > cursor)
            .OrderBy(e => e.Seq)
            .Take(limit)
            .Select(e => new SequencedEvent(e.Seq, e.Did, e.EventType, e.Event, e.SequencedAt, e.Invalidated))
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
    }

    public async Task DeleteForAccountAsync(string did, CancellationToken cancellationToken = default)
    {
        await _database.Context.SequencedEvents.Where(e => e.Did == did).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<long?> FirstSeqSinceAsync(DateTime since, CancellationToken cancellationToken = default)
    {
        return await _database.Context.SequencedEvents
            .AsNoTracking()
            .Where(e => e.SequencedAt >= since)
            .MinAsync(e => (long?)e.Seq, cancellationToken)
            .ConfigureAwait(false);
    }

    public async Task<long?> CurrentAsync(CancellationToken cancellationToken = default)
    {
        return await _database.Context.SequencedEvents
            .AsNoTracking()
            .MaxAsync(e => (long?)e.Seq, cancellationToken)
            .ConfigureAwait(false);
    }
}
