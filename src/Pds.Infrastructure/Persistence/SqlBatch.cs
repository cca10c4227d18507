using System.Data.Common;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Pds.Infrastructure.Persistence;

/// <summary>
/// Several SQL statements run inside the context's open transaction: on PostgreSQL one command,
/// one round trip (Npgsql sends the statements as one batch, and each distinct statement text is
/// prepared once per connection); on SQLite, which runs in this process, a command per statement
/// with only the parameters that statement names, prepared once on the kept write connection
/// (<see cref="SqliteWriteConnection"/>, ADR 0019). Statements use portable SQL only (quoted
/// snake_case names, <c>ON CONFLICT</c>, <c>RETURNING</c>).
/// </summary>
internal sealed class SqlBatch
{
    private readonly List<string> _statements = [];
    private readonly List<object> _values = [];

    public bool IsEmpty => _statements.Count == 0;

    /// <summary>Adds a parameter and returns its placeholder.</summary>
    public string Param(object value)
    {
        var name = ParameterName(_values.Count);
        _values.Add(value);
        return name;
    }

    /// <summary>A byte parameter, without copying when the memory is a whole array.</summary>
    public string Bytes(ReadOnlyMemory<byte> bytes) => Param(WholeArray(bytes));

    /// <summary>The memory's array when it spans a whole one, else a copy.</summary>
    public static byte[] WholeArray(ReadOnlyMemory<byte> bytes) =>
        MemoryMarshal.TryGetArray(bytes, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : bytes.ToArray();

    // Whether the batch opens its transaction itself (BeginsTransaction).
    private bool _begins;

    /// <summary>
    /// Puts BEGIN before the statements: the batch opens its write transaction itself, in the same
    /// round trip (PostgreSQL; a transaction nothing has sent a statement for yet, ADR 0023).
    /// </summary>
    public SqlBatch BeginsTransaction()
    {
        _statements.Insert(0, "BEGIN ISOLATION LEVEL READ COMMITTED");
        _begins = true;
        return this;
    }

    public SqlBatch Add(string statement)
    {
        _statements.Add(statement);
        return this;
    }

    /// <summary>
    /// The column name under which a statement returns the number of an event it appended; the
    /// batch reports each such number to the database it was given with
    /// <see cref="ReportEventNumbersTo"/>.
    /// </summary>
    public const string AppendedSeqColumn = "appended_seq";

    private PdsDatabase? _numbering;

    /// <summary>Reports the numbers of the events this batch appends (<see cref="AppendedSeqColumn"/>) to <paramref name="database"/> as it runs.</summary>
    public void ReportEventNumbersTo(PdsDatabase database) => _numbering = database;

    public async Task<int> ExecuteNonQueryAsync(PdsDbContext context, CancellationToken cancellationToken)
    {
        if (IsEmpty)
        {
            return 0;
        }

        if (_numbering is not null || PerStatement(context.Database.GetDbConnection()))
        {
            return (await ReadAllAsync(context, cancellationToken).ConfigureAwait(false)).RecordsAffected;
        }

        var (sql, parameters) = Commands(perStatement: false)[0];
        var command = Create(context, sql, parameters);
        await using (command.ConfigureAwait(false))
        {
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs the statements, reading every result, and says whether the first statement that
    /// returns columns returned a row.
    /// </summary>
    public async Task<bool> ExecuteFirstResultHasRowAsync(PdsDbContext context, CancellationToken cancellationToken) =>
        (await ReadAllAsync(context, cancellationToken).ConfigureAwait(false)).FirstHasRow;

    private async Task<(bool FirstHasRow, int RecordsAffected)> ReadAllAsync(PdsDbContext context, CancellationToken cancellationToken)
    {
        var state = new ReadState();
        var connection = context.Database.GetDbConnection();
        foreach (var (sql, parameters) in Commands(PerStatement(connection)))
        {
            if (connection is SqliteWriteConnection.Kept kept)
            {
                await ReadKeptAsync(context, kept, sql, parameters, state, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var command = Create(context, sql, parameters);
                await using (command.ConfigureAwait(false))
                {
                    await ReadAsync(command, state, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        return (state.FirstHasRow ?? false, state.RecordsAffected);
    }

    // A statement on the kept write connection: prepared once, only bound and stepped here.
    private async Task ReadKeptAsync(PdsDbContext context, SqliteWriteConnection.Kept kept, string sql, List<int> parameters, ReadState state, CancellationToken cancellationToken)
    {
        if (context.Database.CurrentTransaction is not { } transaction)
        {
            throw new InvalidOperationException("SQL batches run inside the open write transaction.");
        }

        var (command, isKept) = kept.Command(sql, parameters.Count);
        try
        {
            command.Transaction = (SqliteTransaction)transaction.GetDbTransaction();
            for (var i = 0; i < parameters.Count; i++)
            {
                command.Parameters[i].Value = _values[parameters[i]];
            }

            await ReadAsync(command, state, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (isKept)
            {
                // The kept command holds no request's values until its next run.
                for (var i = 0; i < parameters.Count; i++)
                {
                    command.Parameters[i].Value = DBNull.Value;
                }
            }
            else
            {
                await command.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    // PostgreSQL: every statement in one command. SQLite: a command per statement. Microsoft.Data.Sqlite
    // binds a command's parameters statement by statement, looking each parameter of the command up
    // by name in every statement: one command for a commit's statements (dozens for a batch of
    // writes) made hundreds to thousands of look-ups (docs/PERFORMANCE.md). A command per statement
    // binds what it names.
    private static bool PerStatement(DbConnection connection) => connection is SqliteConnection;

    /// <summary>
    /// The commands this batch runs, each with the batch's numbers of its parameters in the order
    /// the command names them: every statement in one command, or (<paramref name="perStatement"/>)
    /// a command per statement, its parameters renamed <c>@p0</c>, <c>@p1</c>... so that a
    /// statement has the same text in every batch (see <see cref="Localize"/>).
    /// </summary>
    internal List<(string Sql, List<int> Parameters)> Commands(bool perStatement) =>
        perStatement
            ? _statements.ConvertAll(Localize)
            : [(string.Join(";\n", _statements), Enumerable.Range(0, _values.Count).ToList())];

    private sealed class ReadState
    {
        public bool? FirstHasRow;

        // As ADO.NET counts it: -1 until a statement changes rows (a SELECT changes none).
        public int RecordsAffected = -1;
    }

    private async Task ReadAsync(DbCommand command, ReadState state, CancellationToken cancellationToken)
    {
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            do
            {
                var numbers = _numbering is not null && reader.FieldCount > 0 && reader.GetName(0) == AppendedSeqColumn;
                var hasRow = false;
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    hasRow = true;
                    if (numbers)
                    {
                        _numbering!.EventNumbered(reader.GetInt64(0));
                    }
                }

                if (state.FirstHasRow is null && reader.FieldCount > 0)
                {
                    state.FirstHasRow = hasRow;
                }
            }
            while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));

            // Read once the reader is done: it counts the changes of every statement it ran.
            if (reader.RecordsAffected >= 0)
            {
                state.RecordsAffected = Math.Max(state.RecordsAffected, 0) + reader.RecordsAffected;
            }
        }
    }

    /// <summary>
    /// A command for <paramref name="sql"/> whose <c>@p</c><em>i</em> is the batch's parameter
    /// <c>numbers[i]</c> (as <see cref="Commands"/> gives them).
    /// </summary>
    private DbCommand Create(PdsDbContext context, string sql, List<int> numbers)
    {
        var command = Create(context, sql);
        for (var i = 0; i < numbers.Count; i++)
        {
            ContextCommand.AddParameter(command, ParameterName(i), _values[numbers[i]]);
        }

        return command;
    }

    private DbCommand Create(PdsDbContext context, string sql) =>
        _begins || context.InWriteTransaction
            ? ContextCommand.Create(context, sql)
            : throw new InvalidOperationException("SQL batches run inside the open write transaction.");

    /// <summary>The name of the <paramref name="i"/>th parameter: <c>@p</c> and the number.</summary>
    internal static string ParameterName(int i) => "@p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// A statement with its parameters (<c>@p</c> and digits, as <see cref="Param"/> names them)
    /// renamed <c>@p0</c>, <c>@p1</c>... in the order it first names them, and the batch's numbers
    /// of those parameters in that order.
    /// </summary>
    internal static (string Sql, List<int> Parameters) Localize(string statement)
    {
        var numbers = new List<int>();
        var at = statement.IndexOf("@p", StringComparison.Ordinal);
        if (at < 0)
        {
            return (statement, numbers);
        }

        var sql = new StringBuilder(statement.Length);
        var copied = 0;
        for (; at >= 0; at = statement.IndexOf("@p", at, StringComparison.Ordinal))
        {
            var start = at;
            at += 2;
            var number = 0;
            for (; at < statement.Length && char.IsAsciiDigit(statement[at]); at++)
            {
                number = (number * 10) + (statement[at] - '0');
            }

            if (at == start + 2)
            {
                continue; // "@p" without a number: not a placeholder
            }

            var local = numbers.IndexOf(number);
            if (local < 0)
            {
                local = numbers.Count;
                numbers.Add(number);
            }

            sql.Append(statement, copied, start - copied).Append("@p").Append(local);
            copied = at;
        }

        return (sql.Append(statement, copied, statement.Length - copied).ToString(), numbers);
    }
}
