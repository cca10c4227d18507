using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Domain.Repo;
using Pds.Infrastructure.Persistence;
using Pds.TestKit;

namespace Pds.Infrastructure.Tests.Persistence;

/// <summary>
/// SQLite write transactions run on one kept connection with their batches' statements prepared
/// once (ADR 0019); the context goes back to a connection of its own after each, and a SQLite
/// error drops the kept connection. On PostgreSQL the write connection is disabled.
/// </summary>
public sealed class SqliteWriteConnectionTests : IAsyncLifetime
{
    private readonly TestDatabase _db = new();
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        await _db.InitializeAsync();
        await _db.MigrateAsync();
        _services = _db.CreateServices();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _db.DisposeAsync();
    }

    private SqliteWriteConnection Write => _services.GetRequiredService<SqliteWriteConnection>();

    [Fact]
    public void Enabled_OnSqliteOnly()
    {
        Assert.Equal(_db.Provider == DatabaseProvider.Sqlite, Write.Enabled);
        Assert.False(new SqliteWriteConnection("Data Source=:memory:").Enabled);
    }

    [Fact]
    public async Task Commits_OfTheSameShape_PrepareTheirStatementsOnce()
    {
        if (_db.Provider != DatabaseProvider.Sqlite)
        {
            return;
        }

        var did = await CreateRepositoryAsync();
        await CommitAsync(did, "a");
        var prepared = Write.Prepared;
        Assert.True(prepared >= 4, $"prepared {prepared}"); // the root, the record, its event (two statements)

        await CommitAsync(did, "b");
        await CommitAsync(did, "c");
        Assert.Equal(prepared, Write.Prepared);
        Assert.Equal(1, Write.Opened);
        foreach (var rkey in new[] { "a", "b", "c" })
        {
            Assert.Equal("bafyrecord" + rkey, (await ReadRecordAsync(did, rkey))?.Cid);
        }
    }

    [Fact]
    public async Task WriteAsync_Ends_TheContextIsBackOnAConnectionOfItsOwn()
    {
        await using var scope = _services.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<PdsDatabase>();
        var connectionString = database.Context.Database.GetConnectionString();
        await database.WriteAsync(async ct =>
        {
            Assert.Equal(_db.Provider == DatabaseProvider.Sqlite, database.Context.Database.GetDbConnection() is SqliteWriteConnection.Kept);
            return await database.Context.Accounts.CountAsync(ct);
        });

        Assert.IsNotType<SqliteWriteConnection.Kept>(database.Context.Database.GetDbConnection());
        Assert.Equal(connectionString, database.Context.Database.GetConnectionString());
        Assert.Equal(System.Data.ConnectionState.Closed, database.Context.Database.GetDbConnection().State);
        Assert.Equal(0, await database.Context.Accounts.CountAsync());
    }

    [Fact]
    public async Task WriteAsync_ContextConnectionAlreadyOpen_StaysOnIt()
    {
        if (_db.Provider != DatabaseProvider.Sqlite)
        {
            return;
        }

        var did = await CreateRepositoryAsync();
        var opened = Write.Opened;
        await using (var scope = _services.CreateAsyncScope())
        {
            var database = scope.ServiceProvider.GetRequiredService<PdsDatabase>();
            await database.Context.Database.OpenConnectionAsync();
            var own = database.Context.Database.GetDbConnection();
            await scope.ServiceProvider.GetRequiredService<IActorStore>().TransactAsync(did, async (tx, ct) =>
            {
                Assert.Same(own, database.Context.Database.GetDbConnection());
                await tx.ApplyCommitAsync(Commit(did, "inside"), ct);
                return 0;
            });
            Assert.Same(own, database.Context.Database.GetDbConnection());
        }

        Assert.Equal(opened, Write.Opened);
        Assert.Equal("bafyrecordinside", (await ReadRecordAsync(did, "inside"))?.Cid);
    }

    [Fact]
    public async Task WriteFails_WithAnErrorOfItsOwn_RollsBack_KeepsTheConnection()
    {
        if (_db.Provider != DatabaseProvider.Sqlite)
        {
            return;
        }

        var did = await CreateRepositoryAsync();
        await CommitAsync(did, "a");
        var prepared = Write.Prepared;

        await Assert.ThrowsAsync<InvalidOperationException>(() => WithStoreAsync(store => store.TransactAsync<int>(did, async (tx, ct) =>
        {
            await tx.ApplyCommitAsync(Commit(did, "lost"), ct);
            throw new InvalidOperationException("the request's own error");
        })));

        Assert.Null(await ReadRecordAsync(did, "lost"));
        Assert.Equal(1, Write.Opened);
        Assert.Equal(prepared, Write.Prepared);
        await CommitAsync(did, "b");
        Assert.Equal("bafyrecordb", (await ReadRecordAsync(did, "b"))?.Cid);
        Assert.Equal(1, Write.Opened);
    }

    [Fact]
    public async Task WriteFails_WithASqliteError_RollsBack_DropsTheConnection_NextWriteOpensAnother()
    {
        if (_db.Provider != DatabaseProvider.Sqlite)
        {
            return;
        }

        var did = await CreateRepositoryAsync();
        await using (var scope = _services.CreateAsyncScope())
        {
            var database = scope.ServiceProvider.GetRequiredService<PdsDatabase>();
            var store = scope.ServiceProvider.GetRequiredService<IActorStore>();
            await Assert.ThrowsAsync<SqliteException>(() => store.TransactAsync<int>(did, async (tx, ct) =>
            {
                await tx.ApplyCommitAsync(Commit(did, "lost"), ct);
                return await new SqlBatch().Add("INSERT INTO \"no_such_table\" VALUES (1)").ExecuteNonQueryAsync(database.Context, ct);
            }));
        }

        Assert.Null(await ReadRecordAsync(did, "lost"));
        Assert.Equal(0, Write.Prepared);
        await CommitAsync(did, "b");
        Assert.Equal(2, Write.Opened);
        Assert.Equal("bafyrecordb", (await ReadRecordAsync(did, "b"))?.Cid);
    }

    [Fact]
    public async Task BetweenWrites_TheKeptConnectionHoldsBackNoCheckpoint()
    {
        if (_db.Provider != DatabaseProvider.Sqlite)
        {
            return;
        }

        var did = await CreateRepositoryAsync();
        for (var i = 0; i < 5; i++)
        {
            await CommitAsync(did, "k" + i);
        }

        // A transaction or statement left open on the kept connection would keep its snapshot: a
        // truncating checkpoint would then find it in its way (busy = 1) and leave the log as it is.
        await using var connection = new SqliteConnection(_db.Options.ConnectionString);
        await connection.OpenAsync();
        await using var checkpoint = connection.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
        await using var result = await checkpoint.ExecuteReaderAsync();
        Assert.True(await result.ReadAsync());
        Assert.Equal(0L, result.GetInt64(0));
        var wal = new SqliteConnectionStringBuilder(_db.Options.ConnectionString).DataSource + "-wal";
        Assert.Equal(0, new FileInfo(wal).Length);
    }

    private async Task<string> CreateRepositoryAsync()
    {
        var did = "did:plc:" + Guid.NewGuid().ToString("N")[..24];
        await WithStoreAsync(store => store.TransactAsync(did, async (tx, ct) =>
        {
            await tx.SetRootAsync("bafycommit0", "rev0", ct);
            return 0;
        }));
        return did;
    }

    private Task<int> CommitAsync(string did, string rkey) => WithStoreAsync(store => store.TransactAsync(did, async (tx, ct) =>
    {
        await tx.ApplyCommitAsync(Commit(did, rkey), ct);
        return 0;
    }));

    private Task<RecordInfo?> ReadRecordAsync(string did, string rkey) =>
        WithStoreAsync(store => store.ReadAsync(did, (reader, ct) => reader.GetRecordAsync("app.bsky.feed.post", rkey, ct)));

    /// <summary>A commit adding the record <paramref name="rkey"/> with a tree node of its own, and its event.</summary>
    private static RepoCommitChanges Commit(string did, string rkey) => new(
        "bafycommit" + rkey, "rev" + rkey,
        [
            KeyValuePair.Create("bafyrecord" + rkey, (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(rkey)),
            KeyValuePair.Create("bafynode" + rkey, (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes("node" + rkey)),
        ],
        [new RecordPut("app.bsky.feed.post", rkey, $"at://{did}/app.bsky.feed.post/{rkey}", "bafyrecord" + rkey, Encoding.UTF8.GetBytes(rkey))],
        [], [], [], new PendingEvent("commit", new byte[] { 0xA0 }));

    private async Task<T> WithStoreAsync<T>(Func<IActorStore, Task<T>> work)
    {
        await using var scope = _services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<IActorStore>());
    }
}
