using Microsoft.EntityFrameworkCore;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;

namespace Pds.Infrastructure.Persistence.Sequencer;

/// <summary>
/// The event log in the main database. Sequence numbers come from a single counter row that is
/// incremented inside the caller's transaction: the row lock it takes is held until that
/// transaction ends, so numbers are handed out in commit order and a reader can never observe
/// seq N+1 before seq N has committed (a rolled-back number is taken again by the next writer).
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

        // An event already waiting for the commit was added first: it takes its number first.
        await _database.FlushAtCommitAsync(cancellationToken).ConfigureAwait(false);

        var batch = new SqlBatch();
        AddAppend(batch, _database, did, eventType, eventBytes);
        await batch.ExecuteNonQueryAsync(_database.Context, cancellationToken).ConfigureAwait(false);
        return _database.LastEventNumber;
    }

    /// <summary>
    /// Adds the statements that append one event to a batch: the counter increment (its row lock
    /// is held until the transaction ends) and the event insert, returning the event's number under
    /// <see cref="SqlBatch.AppendedSeqColumn"/>; on PostgreSQL one statement, which also notifies
    /// every listening server process of the number at commit. The event and, once the batch has
    /// run, its number are recorded on <paramref name="database"/>, which hands the committed
    /// events to this process's firehose.
    /// </summary>
    internal static void AddAppend(SqlBatch batch, PdsDatabase database, string did, string eventType, ReadOnlyMemory<byte> eventBytes)
    {
        // Microseconds, as PostgreSQL keeps them: the firehose's copy matches the stored one.
        var now = DateTime.UtcNow;
        now = new DateTime(now.Ticks - (now.Ticks % 10), DateTimeKind.Utc);
        var bytes = SqlBatch.WholeArray(eventBytes);
        var row = $"{batch.Param(did)}, {batch.Param(eventType)}, {batch.Param(bytes)}, {batch.Param(now)}, {batch.Param(false)}";
        if (database.Provider == DatabaseProvider.Postgres)
        {
            batch.Add(
                "WITH \"c\" AS (UPDATE \"sequencer_counter\" SET \"value\" = \"value\" + 1 WHERE \"id\" = 1 RETURNING \"value\"), " +
                "\"e\" AS (INSERT INTO \"sequenced_event\" (\"seq\", \"did\", \"event_type\", \"event\", \"sequenced_at\", \"invalidated\") " +
                $"SELECT \"value\", {row} FROM \"c\" RETURNING \"seq\") " +
                // Delivered when the transaction commits, to every server process listening.
                $"SELECT \"seq\" AS \"{SqlBatch.AppendedSeqColumn}\" FROM \"e\", pg_notify('{Firehose.PostgresSequencerListener.Channel}', \"seq\"::text)");
        }
        else
        {
            // SQLite runs the statements in order; the insert reads the value the update just wrote.
            batch.Add("UPDATE \"sequencer_counter\" SET \"value\" = \"value\" + 1 WHERE \"id\" = 1");
            batch.Add(
                "INSERT INTO \"sequenced_event\" (\"seq\", \"did\", \"event_type\", \"event\", \"sequenced_at\", \"invalidated\") " +
                $"SELECT \"value\", {row} FROM \"sequencer_counter\" WHERE \"id\" = 1 RETURNING \"seq\" AS \"{SqlBatch.AppendedSeqColumn}\"");
        }

        database.EventAdded(new SequencedEvent(0, did, eventType, bytes, now, false));
        batch.ReportEventNumbersTo(database);
    }

    // Read for every subscriber catching up and by the firehose for other processes' events:
    // compiled once instead of going through the query cache on every call.
    private static readonly Func<PdsDbContext, long, int, IAsyncEnumerable<SequencedEvent>> EventsAfter = EF.CompileAsyncQuery(
        (PdsDbContext c, long cursor, int limit) => c.SequencedEvents
            .AsNoTracking()
            .Where(e => e.Seq > cursor)
            .OrderBy(e => e.Seq)
            .Take(limit)
            .Select(e => new SequencedEvent(e.Seq, e.Did, e.EventType, e.Event, e.SequencedAt, e.Invalidated)));

    public async Task<IReadOnlyList<SequencedEvent>> ReadAfterAsync(long cursor, int limit, CancellationToken cancellationToken = default)
    {
        var events = new List<SequencedEvent>();
        await foreach (var e in EventsAfter(_database.Context, cursor, limit).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            events.Add(e);
        }

        return events;
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
