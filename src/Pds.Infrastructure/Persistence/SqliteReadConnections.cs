using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Pds.Infrastructure.Persistence;

/// <summary>
/// A few SQLite connections kept open for the hot reads outside a write transaction (getRecord,
/// listRecords), each keeping the statements it has prepared. A context's connection is closed
/// when the request ends, and Microsoft.Data.Sqlite finalizes every statement at the close, so
/// each request parsed and planned its statement again: about a quarter of a getRecord's CPU
/// (docs/PERFORMANCE.md). Here a statement is prepared once per connection and only bound and
/// stepped afterwards.
/// </summary>
/// <remarks>
/// A kept connection holds no read transaction between reads: each read runs to the end of its
/// reader, which resets the statement, so the next read sees every write committed before it and
/// checkpoints are not held back. A connection that fails in a read is closed, not kept.
/// </remarks>
public sealed class SqliteReadConnections : IDisposable
{
    private readonly string _connectionString;
    private readonly ConcurrentStack<Connection> _idle = new(); // the most recently used first
    private readonly int _keep;
    private int _idleCount;
    private int _prepared;
    private volatile bool _disposed;

    public SqliteReadConnections(string connectionString, int keep)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keep);

        // These connections are the pool; query_only (Rent) keeps them from writing.
        (_connectionString, var enabled) = DatabaseSetup.KeptSqliteConnectionString(connectionString);
        Enabled = enabled;
        _keep = keep;
    }

    private SqliteReadConnections()
    {
        _connectionString = "";
    }

    /// <summary>None at all, for a server on PostgreSQL.</summary>
    public static SqliteReadConnections Disabled() => new();

    /// <summary>Whether reads may use these connections: not on PostgreSQL, not for an in-memory database.</summary>
    public bool Enabled { get; }

    /// <summary>Connections kept open between reads, one per core (as many reads run at once).</summary>
    public static int DefaultKeep => Environment.ProcessorCount;

    /// <summary>How many connections wait open for the next read (for tests).</summary>
    internal int IdleCount => Volatile.Read(ref _idleCount);

    /// <summary>How many statements have been prepared (for tests).</summary>
    internal int Prepared => Volatile.Read(ref _prepared);

    /// <summary>
    /// Runs <paramref name="sql"/> with <paramref name="parameters"/> on a kept connection and
    /// hands the reader to <paramref name="read"/>, which must not keep it.
    /// </summary>
    public async Task<T> ReadAsync<T>(
        string sql,
        IReadOnlyList<(string Name, object Value)> parameters,
        CommandBehavior behavior,
        Func<DbDataReader, CancellationToken, Task<T>> read,
        CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!Enabled)
        {
            throw new InvalidOperationException("These read connections are disabled.");
        }

        var connection = Rent();
        T result;
        try
        {
            var (command, kept) = connection.Command(sql);
            try
            {
                command.Parameters.Clear();
                foreach (var (name, value) in parameters)
                {
                    command.Parameters.AddWithValue(name, value);
                }

                var reader = await command.ExecuteReaderAsync(behavior, cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    result = await read(reader, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                if (!kept)
                {
                    await command.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        Return(connection);
        return result;
    }

    private Connection Rent()
    {
        if (_idle.TryPop(out var kept))
        {
            Interlocked.Decrement(ref _idleCount);
            return kept;
        }

        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            using var pragmas = connection.CreateCommand();
            // Reads only: a statement that would write fails instead.
            pragmas.CommandText = "PRAGMA query_only=ON;";
            pragmas.ExecuteNonQuery();
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        return new Connection(connection, this);
    }

    private void Return(Connection connection)
    {
        if (!_disposed && Interlocked.Increment(ref _idleCount) <= _keep)
        {
            _idle.Push(connection);
            if (!_disposed)
            {
                return;
            }

            // Disposed meanwhile: Dispose may have emptied the stack before this one arrived.
            Drain();
            return;
        }

        Interlocked.Decrement(ref _idleCount);
        connection.Dispose();
    }

    private void Drain()
    {
        while (_idle.TryPop(out var connection))
        {
            Interlocked.Decrement(ref _idleCount);
            connection.Dispose();
        }
    }

    public void Dispose()
    {
        _disposed = true;
        Drain();
    }

    /// <summary>An open connection and the commands it has prepared, by statement text.</summary>
    private sealed class Connection(SqliteConnection connection, SqliteReadConnections owner) : IDisposable
    {
        /// <summary>Statements kept prepared at most: those of a few methods, so bounded in practice.</summary>
        public const int MaxStatements = 32;

        private readonly PreparedCommands _commands = new(connection, MaxStatements);

        public (SqliteCommand Command, bool Kept) Command(string sql)
        {
            var before = _commands.Count;
            var got = _commands.Get(sql);
            if (_commands.Count > before)
            {
                Interlocked.Increment(ref owner._prepared);
            }

            return got;
        }

        public void Dispose()
        {
            _commands.Dispose();
            connection.Dispose();
        }
    }
}
