using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace Pds.Infrastructure.Persistence;

/// <summary>
/// Inserts many rows into one table inside the context's open transaction, bypassing EF Core's
/// change tracker: binary <c>COPY</c> on PostgreSQL (one stream for every row), one prepared
/// <c>INSERT</c> re-run per row on SQLite (in-process, so there is no round trip to save). The rows
/// must not exist yet: neither path skips conflicts.
/// </summary>
internal sealed class BulkInsert
{
    private readonly string _table;
    private readonly (string Name, BulkColumnType Type)[] _columns;

    public BulkInsert(string table, params (string Name, BulkColumnType Type)[] columns)
    {
        _table = table;
        _columns = columns;
    }

    /// <summary>Writes the rows; each row holds one value per column, in order (null for SQL NULL).</summary>
    public Task<long> RunAsync(PdsDbContext context, IEnumerable<object?[]> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return RunAsync(context, rows.ToAsyncEnumerable(), cancellationToken);
    }

    /// <summary>
    /// Writes the rows as they come; each row holds one value per column, in order (null for SQL
    /// NULL). If the rows throw, so does this, and the transaction is left to roll back.
    /// </summary>
    public async Task<long> RunAsync(PdsDbContext context, IAsyncEnumerable<object?[]> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(rows);
        if (await context.BeginIfDeferredAsync(cancellationToken).ConfigureAwait(false) is null)
        {
            throw new InvalidOperationException("Bulk inserts run inside the open write transaction.");
        }

        // Npgsql's types are named only in CopyAsync, so that a server on SQLite never loads Npgsql.
        return context is PostgresPdsDbContext
            ? await CopyAsync(context.Database.GetDbConnection(), rows, cancellationToken).ConfigureAwait(false)
            : await InsertEachAsync(context, rows, cancellationToken).ConfigureAwait(false);
    }

    private string ColumnList => string.Join(", ", _columns.Select(c => "\"" + c.Name + "\""));

    private async Task<long> CopyAsync(System.Data.Common.DbConnection database, IAsyncEnumerable<object?[]> rows, CancellationToken cancellationToken)
    {
        var connection = (NpgsqlConnection)database;
        // COPY runs in the connection's open transaction; a failure aborts it with the rest of the work.
        var writer = await connection.BeginBinaryImportAsync($"COPY \"{_table}\" ({ColumnList}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        await using (writer.ConfigureAwait(false))
        {
            await foreach (var row in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                await writer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < _columns.Length; i++)
                {
                    var value = row[i];
                    if (value is null)
                    {
                        await writer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    switch (_columns[i].Type)
                    {
                        case BulkColumnType.Text:
                            await writer.WriteAsync((string)value, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                            break;
                        case BulkColumnType.Integer:
                            await writer.WriteAsync((int)value, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                            break;
                        case BulkColumnType.Bytes:
                            await writer.WriteAsync((byte[])value, NpgsqlDbType.Bytea, cancellationToken).ConfigureAwait(false);
                            break;
                        case BulkColumnType.Timestamp:
                            await writer.WriteAsync((DateTime)value, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                            break;
                        default:
                            throw new InvalidOperationException($"Unknown column type {_columns[i].Type}");
                    }
                }
            }

            return (long)await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<long> InsertEachAsync(PdsDbContext context, IAsyncEnumerable<object?[]> rows, CancellationToken cancellationToken)
    {
        var placeholders = string.Join(", ", Enumerable.Range(0, _columns.Length).Select(i => "@c" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var command = ContextCommand.Create(context, $"INSERT INTO \"{_table}\" ({ColumnList}) VALUES ({placeholders})");
        await using (command.ConfigureAwait(false))
        {
            var parameters = new DbParameter[_columns.Length];
            for (var i = 0; i < _columns.Length; i++)
            {
                parameters[i] = command.CreateParameter();
                parameters[i].ParameterName = "@c" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                command.Parameters.Add(parameters[i]);
            }

            var prepared = false;
            long count = 0;
            await foreach (var row in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                for (var i = 0; i < parameters.Length; i++)
                {
                    parameters[i].Value = row[i] ?? DBNull.Value;
                }

                if (!prepared)
                {
                    await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
                    prepared = true;
                }

                count += await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return count;
        }
    }
}

/// <summary>The column types <see cref="BulkInsert"/> writes.</summary>
internal enum BulkColumnType
{
    Text,
    Integer,
    Bytes,
    Timestamp,
}
