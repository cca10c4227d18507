using Microsoft.Data.Sqlite;

namespace Pds.Infrastructure.Persistence;

/// <summary>
/// The statements a kept SQLite connection has prepared, by statement text: each is parsed and
/// planned once, then only bound and stepped. Microsoft.Data.Sqlite keeps no statement cache
/// across commands, and finalizes a command's statements when the command or its connection is
/// disposed (ADR 0018, ADR 0019). Used by the kept read connections (<see cref="SqliteReadConnections"/>)
/// and the kept write connection (<see cref="SqliteWriteConnection"/>); one connection's commands
/// are used by one caller at a time.
/// </summary>
internal sealed class PreparedCommands(SqliteConnection connection, int max) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    /// <summary>How many statements are kept prepared.</summary>
    public int Count => _commands.Count;

    /// <summary>
    /// A command for <paramref name="sql"/> with the parameters <c>@p0</c> to
    /// <c>@p(parameters-1)</c> (see <see cref="SqlBatch.ParameterName"/>), or none, to be added by
    /// the caller for each run. It is prepared once and kept (<c>Kept</c> true: the caller must not
    /// dispose it) while fewer than <c>max</c> statements are kept; a statement beyond them gets a
    /// command of its own, unprepared, which the caller disposes after its run. A statement that
    /// fails to prepare is not kept.
    /// </summary>
    public (SqliteCommand Command, bool Kept) Get(string sql, int parameters = 0)
    {
        if (_commands.TryGetValue(sql, out var kept))
        {
            return (kept, true);
        }

        var command = connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < parameters; i++)
        {
            command.Parameters.Add(new SqliteParameter(SqlBatch.ParameterName(i), DBNull.Value));
        }

        if (_commands.Count >= max)
        {
            return (command, false);
        }

        try
        {
            command.Prepare();
        }
        catch
        {
            command.Dispose();
            throw;
        }

        _commands.Add(sql, command);
        return (command, true);
    }

    /// <summary>
    /// Forgets the kept commands without disposing them: for a connection that is closing, which
    /// disposes every command of its own.
    /// </summary>
    public void Forget() => _commands.Clear();

    /// <summary>Disposes the kept commands, finalizing their statements.</summary>
    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
    }
}
