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
/// the work, saves the tracked changes and commits. Nested calls join the open transaction.
/// </summary>
public sealed class PdsDatabase : IUnitOfWork
{
    private readonly WriteGate _gate;

    private readonly Firehose.SequencerSignal? _signal;

    public PdsDatabase(PdsDbContext context, WriteGate gate, DatabaseOptions options, Firehose.SequencerSignal? signal = null)
    {
        _signal = signal;
        ArgumentNullException.ThrowIfNull(options);
        Context = context;
        _gate = gate;
        Provider = options.Provider;
    }

    public PdsDbContext Context { get; }

    public DatabaseProvider Provider { get; }

    public bool InTransaction => Context.Database.CurrentTransaction is not null;

    /// <summary>
    /// Counts the write transactions begun and ended on this unit of work: a read cached in this
    /// scope stays valid only while the count is unchanged.
    /// </summary>
    internal long WriteGeneration { get; private set; }

    /// <summary>Set by the sequencer when the open transaction appended events; the firehose is woken after commit.</summary>
    internal bool EventsAppended { get; set; }

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

    /// <summary>Runs the statements waiting for the commit now, inside the open transaction.</summary>
    internal async Task FlushAtCommitAsync(CancellationToken cancellationToken)
    {
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
            WriteGeneration++;
            var transaction = await Context.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                try
                {
                    var result = await work(cancellationToken).ConfigureAwait(false);
                    await Context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                    if (_atCommit is { IsEmpty: false } last)
                    {
                        // The waiting statements and COMMIT in one round trip. If any statement
                        // fails, PostgreSQL skips the rest, COMMIT included, and the transaction is
                        // rolled back when disposed; once COMMIT has run, disposing sends nothing.
                        await last.Add("COMMIT").ExecuteNonQueryAsync(Context, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    }

                    if (EventsAppended)
                    {
                        _signal?.Pulse();
                    }

                    return result;
                }
                finally
                {
                    // Whatever happened, nothing tracked in a failed or finished transaction may leak
                    // into the next unit of work on this context.
                    Context.ChangeTracker.Clear();
                    EventsAppended = false;
                    _atCommit = null;
                    WriteGeneration++;
                }
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
