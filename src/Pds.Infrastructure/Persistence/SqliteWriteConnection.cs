using System.Data;
using Microsoft.Data.Sqlite;

namespace Pds.Infrastructure.Persistence;

/// <summary>
/// One SQLite connection kept open for the process's write transactions, which the write gate
/// admits one at a time, with the statements of the commits' batches (<see cref="SqlBatch"/>)
/// prepared once. A write transaction's context runs on it for the length of the transaction
/// (<see cref="PdsDatabase.WriteAsync{T}"/>). Microsoft.Data.Sqlite finalizes a connection's
/// statements when it closes, and a context's connection closes when its transaction ends, so
/// every commit parsed and planned each of its statements again (docs/PERFORMANCE.md, ADR 0019).
/// </summary>
/// <remarks>
/// The connection holds no transaction between writes, so it holds back neither checkpoints nor
/// other processes. A write that fails with a SQLite error, or leaves the connection closed, drops
/// it; the next write opens a fresh one.
/// </remarks>
public sealed class SqliteWriteConnection : IDisposable
{
    private readonly string _connectionString;
    private Kept? _connection;
    private bool _disposed;

    public SqliteWriteConnection(string connectionString)
    {
        (_connectionString, var enabled) = DatabaseSetup.KeptSqliteConnectionString(connectionString);
        Enabled = enabled;
    }

    private SqliteWriteConnection()
    {
        _connectionString = "";
    }

    /// <summary>None at all, for a server on PostgreSQL.</summary>
    public static SqliteWriteConnection Disabled() => new();

    /// <summary>Whether writes may use this connection: not on PostgreSQL, not for an in-memory database.</summary>
    public bool Enabled { get; }

    /// <summary>How many connections have been opened (for tests).</summary>
    internal int Opened { get; private set; }

    /// <summary>How many statements the open connection has prepared (for tests).</summary>
    internal int Prepared => _connection?.Prepared ?? 0;

    /// <summary>The open connection, opened first if need be. Only under the write gate.</summary>
    internal async ValueTask<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!Enabled)
        {
            throw new InvalidOperationException("This write connection is disabled.");
        }

        if (_connection is { State: ConnectionState.Open } open)
        {
            return open;
        }

        Drop();
        var connection = new Kept(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var pragmas = connection.CreateCommand();
            await using (pragmas.ConfigureAwait(false))
            {
                // As every connection of the server's has them (DatabaseSetup): the journal mode
                // belongs to the file, the others to the connection.
                pragmas.CommandText = DatabaseSetup.SqliteConnectionPragmas;
                await pragmas.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        Opened++;
        return _connection = connection;
    }

    /// <summary>
    /// After a write that ended with <paramref name="error"/>: closes the connection (finalizing
    /// its statements) when the error came from SQLite (EF Core wraps it in its own) or the
    /// connection is no longer open, so the next write starts on a fresh one. An error of the
    /// write's own (a request found invalid) keeps it.
    /// </summary>
    internal void AfterFailure(Exception error)
    {
        var fromSqlite = false;
        for (var e = error; e is not null && !fromSqlite; e = e.InnerException)
        {
            fromSqlite = e is SqliteException;
        }

        if (fromSqlite || _connection is not { State: ConnectionState.Open })
        {
            Drop();
        }
    }

    private void Drop()
    {
        _connection?.Dispose();
        _connection = null;
    }

    public void Dispose()
    {
        _disposed = true;
        Drop();
    }

    /// <summary>The kept connection, with its prepared commands by statement text.</summary>
    internal sealed class Kept : SqliteConnection
    {
        /// <summary>Statements kept prepared at most; a statement beyond them is prepared for each run.</summary>
        public const int MaxStatements = 64;

        private readonly PreparedCommands _commands;

        public Kept(string connectionString)
            : base(connectionString)
        {
            _commands = new PreparedCommands(this, MaxStatements);
        }

        public int Prepared => _commands.Count;

        /// <summary>See <see cref="PreparedCommands.Get"/>.</summary>
        public (SqliteCommand Command, bool Kept) Command(string sql, int parameters) => _commands.Get(sql, parameters);

        // Closing disposes every command of the connection, the kept ones with them.
        public override void Close()
        {
            _commands.Forget();
            base.Close();
        }
    }
}
