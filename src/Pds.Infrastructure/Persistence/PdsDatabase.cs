using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;

namespace Pds.Infrastructure.Persistence;

/// <summary>
/// Write transactions over the request's <see cref="PdsDbContext"/>. Every write goes through
/// <see cref="WriteAsync{T}"/>: it takes the process write gate (SQLite), opens a transaction, runs
/// the work, saves the tracked changes and commits. On SQLite the transaction runs on the kept
/// write connection (<see cref="SqliteWriteConnection"/>, ADR 0019). Nested calls join the open
/// transaction.
/// </summary>
public sealed class PdsDatabase : IUnitOfWork
{
    private readonly WriteGate _gate;

    private readonly Firehose.SequencerSignal? _signal;

    public PdsDatabase(PdsDbContext context, WriteGate gate, DatabaseOptions options, Firehose.SequencerSignal? signal = null, SqliteReadConnections? sqliteReads = null, SqliteWriteConnection? sqliteWrite = null)
    {
        _signal = signal;
        ArgumentNullException.ThrowIfNull(options);
        Context = context;
        _gate = gate;
        Options = options;
        SqliteReads = options.Provider == DatabaseProvider.Sqlite && sqliteReads is { Enabled: true } ? sqliteReads : null;
        SqliteWrite = options.Provider == DatabaseProvider.Sqlite && sqliteWrite is { Enabled: true } ? sqliteWrite : null;
    }

    internal DatabaseOptions Options { get; }

    /// <summary>The kept SQLite connections for hot reads outside a transaction (SQLite only, if given).</summary>
    internal SqliteReadConnections? SqliteReads { get; }

    /// <summary>The kept SQLite connection for write transactions (SQLite only, if given).</summary>
    internal SqliteWriteConnection? SqliteWrite { get; }

    /// <summary>A unit of work like this one on another context (of the same database).</summary>
    internal PdsDatabase On(PdsDbContext context) => new(context, _gate, Options, _signal, SqliteReads, SqliteWrite);

    public PdsDbContext Context { get; }

    public DatabaseProvider Provider => Options.Provider;

    public bool InTransaction => Context.InWriteTransaction;

    /// <summary>
    /// Counts the write transactions begun and ended on this unit of work: a read cached in this
    /// scope stays valid only while the count is unchanged.
    /// </summary>
    internal long WriteGeneration { get; private set; }

    // The events the open transaction appended, in the order their statements were added, and
    // the numbers their statements returned, in the order they ran (the same order: a batch that
    // appends immediately first sends whatever waits for the commit).
    private List<SequencedEvent>? _events;
    private List<long>? _eventNumbers;

    /// <summary>Records an event the open transaction appends (its number is still 0).</summary>
    internal void EventAdded(SequencedEvent pending) => (_events ??= []).Add(pending);

    /// <summary>Records the number the database gave the next appended event.</summary>
    internal void EventNumbered(long seq) => (_eventNumbers ??= []).Add(seq);

    /// <summary>The number of the last event appended in the open transaction.</summary>
    internal long LastEventNumber => _eventNumbers is { Count: > 0 } numbers ? numbers[^1] : throw new InvalidOperationException("No event has been numbered in this transaction.");

    /// <summary>
    /// After a commit that appended events: this process's firehose gets them with their numbers,
    /// so it need not read them back from the database. When the numbers are not all known or not
    /// consecutive (which the counter row's lock rules out), it is told to read the log instead.
    /// </summary>
    private void AnnounceCommittedEvents()
    {
        var events = _events!;
        var numbers = _eventNumbers;
        if (numbers is null || numbers.Count != events.Count)
        {
            _signal!.CommitEnded(readLog: true);
            return;
        }

        var numbered = new SequencedEvent[events.Count];
        for (var i = 0; i < numbered.Length; i++)
        {
            if (numbers[i] != numbers[0] + i)
            {
                _signal!.CommitEnded(readLog: true);
                return;
            }

            numbered[i] = events[i] with { Seq = numbers[i] };
        }

        _signal!.Committed(numbered);
    }

    // What runs once the open write transaction has ended, committed or not.
    private List<Action>? _afterTransaction;

    /// <summary>
    /// Runs <paramref name="action"/> when the open write transaction has ended, committed or
    /// rolled back (at once when none is open): for what must follow the commit, such as forgetting
    /// a cached copy of a row the transaction changed.
    /// </summary>
    internal void AfterTransaction(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (InTransaction)
        {
            (_afterTransaction ??= []).Add(action);
        }
        else
        {
            action();
        }
    }

    private SqlBatch? _atCommit;

    /// <summary>
    /// Statements that run together with the outermost write's COMMIT, in one round trip
    /// (PostgreSQL). The repository write puts its firehose event here: the sequencer's counter
    /// row is then locked only while the server runs that last batch and makes the commit
    /// durable, not also while the write's other results travel back to this process and the
    /// COMMIT travels out, which is what serialized concurrent writers. An immediate sequencer
    /// append runs these first, so events keep the order they were added in.
    /// </summary>
    internal SqlBatch AtCommit => _atCommit ??= new SqlBatch();

    // Whether what waits for the COMMIT must also run before changes still tracked (an actor's
    // pending lock, which must be the transaction's first statement).
    private bool _atCommitLeads;

    /// <summary>
    /// Says that what waits for the COMMIT must run before any change still tracked at the end of
    /// the write (an actor's pending lock): the commit then sends it before saving them.
    /// </summary>
    internal void AtCommitLeads() => _atCommitLeads = true;

    /// <summary>Runs the statements waiting for the commit now, inside the open transaction.</summary>
    internal async Task FlushAtCommitAsync(CancellationToken cancellationToken)
    {
        _atCommitLeads = false;
        if (_atCommit is { IsEmpty: false } pending)
        {
            _atCommit = null;
            await pending.ExecuteNonQueryAsync(Context, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<T> WriteAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (InTransaction)
        {
            return await work(cancellationToken).ConfigureAwait(false);
        }

        using (await _gate.EnterAsync(cancellationToken).ConfigureAwait(false))
        {
            var restore = await UseKeptWriteConnectionAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await TransactAsync(work, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (restore is not null)
            {
                SqliteWrite!.AfterFailure(e);
                throw;
            }
            finally
            {
                if (restore is not null)
                {
                    // Back on a connection of its own, from the same connection string.
                    Context.Database.SetDbConnection(null, contextOwnsConnection: true);
                    Context.Database.SetConnectionString(restore);
                }
            }
        }
    }

    /// <summary>
    /// On SQLite with a kept write connection (<see cref="SqliteWriteConnection"/>), when the
    /// context's own connection is not open: moves the context onto the kept connection for this
    /// transaction, and returns the connection string to go back to. Under the write gate.
    /// </summary>
    private async ValueTask<string?> UseKeptWriteConnectionAsync(CancellationToken cancellationToken)
    {
        if (SqliteWrite is not { } write || Context.Database.GetDbConnection().State != System.Data.ConnectionState.Closed)
        {
            return null;
        }

        var restore = Context.Database.GetConnectionString()!;
        var kept = await write.OpenAsync(cancellationToken).ConfigureAwait(false);
        Context.Database.SetDbConnection(kept, contextOwnsConnection: false);
        return restore;
    }

    private async Task<T> TransactAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        WriteGeneration++;

        // On PostgreSQL the transaction's BEGIN waits for its first statement (ADR 0023). Npgsql
        // sends BEGIN as a simple query ahead of that statement, and PostgreSQL answers a simple
        // query at once, apart from what follows: a write whose statements all go in its last
        // batch got its answer in two parts, and this process woke for each. That batch now
        // carries BEGIN itself; any statement sent before it begins the transaction as before.
        var deferred = Provider == DatabaseProvider.Postgres;
        Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction? begun = null;
        if (deferred)
        {
            await Context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            Context.DeferBegin();
        }
        else
        {
            begun = await Context.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            try
            {
                var result = await work(cancellationToken).ConfigureAwait(false);
                if (_atCommitLeads && _atCommit is { IsEmpty: false } && Context.ChangeTracker.HasChanges())
                {
                    // A pending lock runs before the tracked changes, as the first statement.
                    await FlushAtCommitAsync(cancellationToken).ConfigureAwait(false);
                }

                // With nothing tracked, a deferred BEGIN stays deferred: SaveChanges would begin it.
                if (!deferred || Context.ChangeTracker.HasChanges())
                {
                    await Context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                }

                var announcing = _signal is not null && _events is { Count: > 0 };
                if (announcing)
                {
                    _signal!.Committing();
                }

                try
                {
                    if (_atCommit is { IsEmpty: false } last)
                    {
                        // The waiting statements and COMMIT in one round trip, after BEGIN when
                        // nothing has been sent before them. If any statement fails, PostgreSQL
                        // skips the rest, COMMIT included, and the transaction is rolled back
                        // below; once COMMIT has run, that sends nothing.
                        if (Context.TakeDeferredBegin())
                        {
                            last.BeginsTransaction();
                        }

                        await last.Add("COMMIT").ExecuteNonQueryAsync(Context, cancellationToken).ConfigureAwait(false);
                    }
                    else if (Context.Database.CurrentTransaction is { } transaction)
                    {
                        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    }

                    // Otherwise the transaction sent no statement (PostgreSQL): nothing to commit.
                }
                catch
                {
                    if (announcing)
                    {
                        // Whether the commit happened is not known here: the log says.
                        _signal!.CommitEnded(readLog: true);
                    }

                    throw;
                }

                if (announcing)
                {
                    AnnounceCommittedEvents();
                }

                return result;
            }
            finally
            {
                // Whatever happened, nothing tracked in a failed or finished transaction may leak
                // into the next unit of work on this context.
                Context.ChangeTracker.Clear();
                _events = null;
                _eventNumbers = null;
                _atCommit = null;
                _atCommitLeads = false;
                WriteGeneration++;
                if (_afterTransaction is { } after)
                {
                    _afterTransaction = null;
                    foreach (var action in after)
                    {
                        action();
                    }
                }
            }
        }
        finally
        {
            if (deferred)
            {
                Context.TakeDeferredBegin();
                try
                {
                    if (Context.Database.CurrentTransaction is { } open)
                    {
                        // Rolls back unless committed.
                        await open.DisposeAsync().ConfigureAwait(false);
                    }
                }
                finally
                {
                    // Npgsql rolls back a transaction a batch began itself and did not commit (a
                    // failed statement) before the connection goes back to its pool.
                    await Context.Database.CloseConnectionAsync().ConfigureAwait(false);
                }
            }
            else
            {
                await begun!.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Serializes writers of one account. On PostgreSQL this is a transaction-scoped advisory lock
    /// keyed by a hash of the DID (released at commit or rollback); on SQLite the write gate already
    /// admits one writer at a time.
    /// </summary>
    public async Task LockActorAsync(string did, CancellationToken cancellationToken)
    {
        if (!InTransaction)
        {
            throw new InvalidOperationException("An actor lock can only be taken inside a write transaction.");
        }

        if (Provider == DatabaseProvider.Postgres)
        {
            var key = ActorLockKey(did);
            await Context.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({key})", cancellationToken).ConfigureAwait(false);
        }
    }

    public Task LockAsync(string key, CancellationToken cancellationToken = default) => LockActorAsync(key, cancellationToken);

    /// <summary>A stable 64-bit key for a DID: the first 8 bytes of its SHA-256.</summary>
    public static long ActorLockKey(string did)
    {
        ArgumentNullException.ThrowIfNull(did);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(did), hash);
        return BinaryPrimitives.ReadInt64BigEndian(hash);
    }
}
