using System.Data;
using Microsoft.Data.Sqlite;
using Pds.Infrastructure.Persistence;

namespace Pds.Infrastructure.Tests.Persistence;

public sealed class SqliteReadConnectionsTests : IDisposable
{
    private const string Select = "SELECT v FROM t WHERE k = @k";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pds-reads-" + Guid.NewGuid().ToString("N"));
    private readonly string _connectionString;

    public SqliteReadConnectionsTests()
    {
        Directory.CreateDirectory(_directory);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(_directory, "pds.sqlite"), Pooling = false }.ConnectionString;
        Execute("PRAGMA journal_mode=WAL; CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT); INSERT INTO t VALUES ('a', 'first');");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task ReadAsync_SameStatementAgain_PreparesItOnce()
    {
        using var reads = new SqliteReadConnections(_connectionString, keep: 1);
        Assert.Equal("first", await ReadAsync(reads, "a"));
        Assert.Null(await ReadAsync(reads, "b"));
        Assert.Equal("first", await ReadAsync(reads, "a"));

        Assert.Equal(1, reads.IdleCount);
        Assert.Equal(1, reads.Prepared);
    }

    [Fact]
    public async Task ReadAsync_AfterAWriteElsewhere_SeesIt()
    {
        using var reads = new SqliteReadConnections(_connectionString, keep: 1);
        Assert.Null(await ReadAsync(reads, "b"));
        Execute("INSERT INTO t VALUES ('b', 'second'); UPDATE t SET v = 'changed' WHERE k = 'a';");

        Assert.Equal("second", await ReadAsync(reads, "b"));
        Assert.Equal("changed", await ReadAsync(reads, "a"));
    }

    [Fact]
    public async Task ReadAsync_Between_HoldsNoReadTransaction()
    {
        using var reads = new SqliteReadConnections(_connectionString, keep: 2);
        Execute("INSERT INTO t VALUES ('b', 'second');");
        Assert.Equal("first", await ReadAsync(reads, "a"));
        Assert.Equal("second", await ReadAsync(reads, "b"));

        // A statement left unreset would keep its snapshot, and a truncating checkpoint would then
        // find a reader in its way (busy = 1) and leave the log as it is.
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var checkpoint = connection.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
        using var result = checkpoint.ExecuteReader();
        Assert.True(result.Read());
        Assert.Equal(0L, result.GetInt64(0));
        Assert.Equal(0, new FileInfo(Path.Combine(_directory, "pds.sqlite-wal")).Length);
    }

    [Fact]
    public async Task ReadAsync_Fails_DropsTheConnection()
    {
        using var reads = new SqliteReadConnections(_connectionString, keep: 1);
        Assert.Equal("first", await ReadAsync(reads, "a"));
        Assert.Equal(1, reads.IdleCount);

        await Assert.ThrowsAsync<SqliteException>(() =>
            reads.ReadAsync("SELECT v FROM missing", [], CommandBehavior.Default, (r, ct) => r.ReadAsync(ct), CancellationToken.None));
        Assert.Equal(0, reads.IdleCount);
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            reads.ReadAsync<bool>(Select, [("@k", "a")], CommandBehavior.Default, (r, ct) => throw new InvalidOperationException("read failed"), CancellationToken.None));
        Assert.Equal(0, reads.IdleCount);

        Assert.Equal("first", await ReadAsync(reads, "a"));
    }

    [Fact]
    public async Task ReadAsync_StatementThatWrites_RefusedAndNothingChanges()
    {
        using var reads = new SqliteReadConnections(_connectionString, keep: 1);
        await Assert.ThrowsAsync<SqliteException>(() =>
            reads.ReadAsync("DELETE FROM t RETURNING k", [], CommandBehavior.Default, (r, ct) => r.ReadAsync(ct), CancellationToken.None));
        Assert.Equal("first", await ReadAsync(reads, "a"));
    }

    [Fact]
    public async Task ReadAsync_ManyAtOnce_KeepsAtMostItsNumber()
    {
        using var reads = new SqliteReadConnections(_connectionString, keep: 2);
        var gate = new TaskCompletionSource();
        var running = Enumerable.Range(0, 5).Select(_ => reads.ReadAsync(Select, [("@k", "a")], CommandBehavior.Default, async (r, ct) =>
        {
            await gate.Task;
            return await r.ReadAsync(ct) ? r.GetString(0) : null;
        }, CancellationToken.None)).ToList();
        gate.SetResult();

        Assert.All(await Task.WhenAll(running), v => Assert.Equal("first", v));
        Assert.Equal(2, reads.IdleCount);
    }

    [Fact]
    public async Task Dispose_ClosesTheKeptConnections()
    {
        var reads = new SqliteReadConnections(_connectionString, keep: 1);
        Assert.Equal("first", await ReadAsync(reads, "a"));
        reads.Dispose();

        Assert.Equal(0, reads.IdleCount);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => ReadAsync(reads, "a"));
    }

    [Theory]
    [InlineData("Data Source=:memory:")]
    [InlineData("Data Source=shared;Mode=Memory;Cache=Shared")]
    public void InMemoryDatabase_NotEnabled(string connectionString)
    {
        using var reads = new SqliteReadConnections(connectionString, keep: 1);
        Assert.False(reads.Enabled);
    }

    [Fact]
    public async Task Disabled_RefusesReads()
    {
        using var reads = SqliteReadConnections.Disabled();
        Assert.False(reads.Enabled);
        await Assert.ThrowsAsync<InvalidOperationException>(() => ReadAsync(reads, "a"));
    }

    private static Task<string?> ReadAsync(SqliteReadConnections reads, string key) =>
        reads.ReadAsync(Select, [("@k", key)], CommandBehavior.SingleRow, async (r, ct) => await r.ReadAsync(ct) ? r.GetString(0) : null, CancellationToken.None);

    private void Execute(string sql)
    {
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
