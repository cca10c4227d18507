using System.Data.Common;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.EntityFrameworkCore;

namespace Pds.Infrastructure.Persistence;

/// <summary>
/// Several SQL statements sent as one command inside the context's open transaction: one round
/// trip on PostgreSQL (Npgsql sends the statements as one batch, and each distinct statement text
/// is prepared once per connection), one call on SQLite. Statements use portable SQL only (quoted
/// snake_case names, <c>ON CONFLICT</c>, <c>RETURNING</c>).
/// </summary>
internal sealed class SqlBatch
{
    private readonly StringBuilder _sql = new();
    private readonly List<object> _values = [];

    public bool IsEmpty => _sql.Length == 0;

    /// <summary>Adds a parameter and returns its placeholder.</summary>
    public string Param(object value)
    {
        var name = "@p" + _values.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
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

    public SqlBatch Add(string statement)
    {
        _sql.Append(statement).Append(";\n");
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

        if (_numbering is not null)
        {
            return (await ReadAllAsync(context, cancellationToken).ConfigureAwait(false)).RecordsAffected;
        }

        var command = Create(context);
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
        var command = Create(context);
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                bool? first = null;
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

                    if (first is null && reader.FieldCount > 0)
                    {
                        first = hasRow;
                    }
                }
                while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));
                return (first ?? false, reader.RecordsAffected);
            }
        }
    }

    private DbCommand Create(PdsDbContext context)
    {
        if (context.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("SQL batches run inside the open write transaction.");
        }

        var command = ContextCommand.Create(context, _sql.ToString());
        for (var i = 0; i < _values.Count; i++)
        {
            ContextCommand.AddParameter(command, "@p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), _values[i]);
        }

        return command;
    }
}
