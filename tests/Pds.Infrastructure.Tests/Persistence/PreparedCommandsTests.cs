using Microsoft.Data.Sqlite;
using Pds.Infrastructure.Persistence;

namespace Pds.Infrastructure.Tests.Persistence;

/// <summary>The prepared statements a kept SQLite connection holds, shared by its read and write users.</summary>
public sealed class PreparedCommandsTests : IDisposable
{
    private readonly SqliteConnection _connection = new("Data Source=:memory:");

    public PreparedCommandsTests()
    {
        _connection.Open();
        using var create = _connection.CreateCommand();
        create.CommandText = "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three');";
        create.ExecuteNonQuery();
    }

    public void Dispose() => _connection.Dispose();

    [Fact]
    public void Get_SameStatementAgain_TheSamePreparedCommandWithItsParameters()
    {
        using var commands = new PreparedCommands(_connection, max: 4);
        var (first, firstKept) = commands.Get("SELECT v FROM t WHERE k = @p0", parameters: 1);
        first.Parameters[0].Value = 2;
        Assert.Equal("two", first.ExecuteScalar());

        var (again, againKept) = commands.Get("SELECT v FROM t WHERE k = @p0", parameters: 1);
        Assert.True(firstKept && againKept);
        Assert.Same(first, again);
        again.Parameters[0].Value = 3;
        Assert.Equal("three", again.ExecuteScalar());
        Assert.Equal(1, commands.Count);
    }

    [Fact]
    public void Get_BeyondTheMost_ACommandOfItsOwnAndTheKeptOnesStay()
    {
        using var commands = new PreparedCommands(_connection, max: 2);
        var (one, _) = commands.Get("SELECT v FROM t WHERE k = 1");
        var (two, _) = commands.Get("SELECT v FROM t WHERE k = 2");

        var (three, threeKept) = commands.Get("SELECT v FROM t WHERE k = 3");
        Assert.False(threeKept);
        Assert.Equal("three", three.ExecuteScalar());
        three.Dispose();

        // Not kept: asked again, it is another command, and the kept two are unchanged.
        var (threeAgain, againKept) = commands.Get("SELECT v FROM t WHERE k = 3");
        Assert.False(againKept);
        Assert.NotSame(three, threeAgain);
        threeAgain.Dispose();
        Assert.Equal(2, commands.Count);
        Assert.Same(one, commands.Get("SELECT v FROM t WHERE k = 1").Command);
        Assert.Same(two, commands.Get("SELECT v FROM t WHERE k = 2").Command);
        Assert.Equal("one", one.ExecuteScalar());
    }

    [Fact]
    public void Get_StatementThatFailsToPrepare_ThrowsAndIsNotKept()
    {
        using var commands = new PreparedCommands(_connection, max: 4);
        Assert.Throws<SqliteException>(() => commands.Get("SELECT v FROM missing_table"));
        Assert.Equal(0, commands.Count);

        var (command, kept) = commands.Get("SELECT count(*) FROM t");
        Assert.True(kept);
        Assert.Equal(3L, command.ExecuteScalar());
    }
}
