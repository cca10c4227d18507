using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pds.Application.Common.Configuration;
using Pds.Infrastructure.Persistence;
using Pds.Infrastructure.Persistence.Rows;
using Pds.TestKit;

namespace Pds.Infrastructure.Tests.Persistence;

/// <summary>
/// A write transaction holds every statement run inside it, whatever sends the first one. On
/// PostgreSQL the transaction's BEGIN waits for that first statement (ADR 0023): EF Core's
/// queries, SaveChanges and raw SQL, this project's own commands and bulk inserts each begin it
/// as they go out, and a write whose statements all wait for the commit sends BEGIN with them.
/// </summary>
public sealed class WriteTransactionTests : IAsyncLifetime
{
    private static readonly BulkInsert PreferenceRows = new(
        "account_pref", ("did", BulkColumnType.Text), ("position", BulkColumnType.Integer), ("type", BulkColumnType.Text), ("value_json", BulkColumnType.Text));

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

    public static TheoryData<string> FirstStatements => ["query", "save", "sql", "batch", "bulk"];

    [Theory]
    [MemberData(nameof(FirstStatements))]
    public async Task WriteAsync_FailsAfterItsFirstStatements_NothingOfThemStays(string first)
    {
        var did = NewDid();
        await using var scope = _services.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<PdsDatabase>();
        await Assert.ThrowsAsync<InvalidOperationException>(() => database.WriteAsync<int>(async ct =>
        {
            await RunFirstAsync(database, first, did, ct);
            await InsertNowAsync(database, did, 1, ct);
            throw new InvalidOperationException("the work failed");
        }));

        Assert.Empty(await PositionsAsync(did));
    }

    [Theory]
    [MemberData(nameof(FirstStatements))]
    public async Task WriteAsync_Succeeds_KeepsEveryStatement(string first)
    {
        var did = NewDid();
        await using var scope = _services.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<PdsDatabase>();
        await database.WriteAsync(async ct =>
        {
            await RunFirstAsync(database, first, did, ct);
            await InsertNowAsync(database, did, 1, ct);
            await InsertAtCommitAsync(database, ct, (did, 2));
            return 0;
        });

        Assert.Equal([0, 1, 2], await PositionsAsync(did));
        Assert.Equal(System.Data.ConnectionState.Closed, database.Context.Database.GetDbConnection().State);
    }

    [Fact]
    public async Task WriteAsync_OnlyStatementsForTheCommit_OneCommandThatBeginsOnPostgres()
    {
        var did = NewDid();
        await using var scope = _services.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<PdsDatabase>();
        var commands = await NpgsqlCommands.SentAsync(() => database.WriteAsync(async ct =>
        {
            Assert.True(database.InTransaction);
            await InsertAtCommitAsync(database, ct, (did, 0), (did, 1));
            return 0;
        }));

        Assert.Equal([0, 1], await PositionsAsync(did));
        if (_db.Provider == DatabaseProvider.Postgres)
        {
            // BEGIN goes in the batch, not ahead of it as a query of its own that PostgreSQL
            // would answer apart from the rest.
            var sent = Assert.Single(commands);
            Assert.StartsWith("BEGIN ISOLATION LEVEL READ COMMITTED;", sent, StringComparison.Ordinal);
            Assert.EndsWith("COMMIT", sent, StringComparison.Ordinal);
            Assert.Null(database.Context.Database.CurrentTransaction);
        }
    }

    [Fact]
    public async Task WriteAsync_CommitBatchFails_RollsBackAndTheNextWriteOnTheContextCommits()
    {
        var did = NewDid();
        await using var scope = _services.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<PdsDatabase>();

        // The second row has the first one's key: the batch fails after inserting the first.
        await Assert.ThrowsAnyAsync<Exception>(() => database.WriteAsync(async ct =>
        {
            await InsertAtCommitAsync(database, ct, (did, 0), (did, 0));
            return 0;
        }));
        Assert.Empty(await PositionsAsync(did));

        await database.WriteAsync(async ct =>
        {
            await InsertAtCommitAsync(database, ct, (did, 5));
            return 0;
        });
        Assert.Equal([5], await PositionsAsync(did));
        Assert.Equal(0, await database.Context.AccountPreferences.CountAsync(p => p.Did == did && p.Position == 0));
    }

    [Fact]
    public async Task WriteAsync_SendsNothing_LeavesNoTransactionAndTheConnectionClosed()
    {
        await using var scope = _services.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<PdsDatabase>();
        var commands = await NpgsqlCommands.SentAsync(() => database.WriteAsync(ct => Task.FromResult(0)));

        Assert.False(database.InTransaction);
        Assert.Equal(System.Data.ConnectionState.Closed, database.Context.Database.GetDbConnection().State);
        if (_db.Provider == DatabaseProvider.Postgres)
        {
            Assert.Empty(commands);
        }

        // The context is as good as before for the next write.
        var did = NewDid();
        await database.WriteAsync(async ct =>
        {
            await InsertNowAsync(database, did, 3, ct);
            return 0;
        });
        Assert.Equal([3], await PositionsAsync(did));
    }

    private static async Task RunFirstAsync(PdsDatabase database, string first, string did, CancellationToken ct)
    {
        var context = database.Context;
        switch (first)
        {
            case "query":
                // A query that writes: its reader must be inside the transaction too.
                Assert.Equal(0, await context.AccountPreferences.CountAsync(p => p.Did == did, ct));
                Assert.Equal([0], await context.Database.SqlQuery<int>($"INSERT INTO account_pref (did, position, type, value_json) VALUES ({did}, 0, 'test', '{{}}') RETURNING position AS \"Value\"").ToListAsync(ct));
                break;
            case "save":
                context.AccountPreferences.Add(Row(did, 0));
                await context.SaveChangesAsync(ct);
                break;
            case "sql":
                await context.Database.ExecuteSqlAsync($"INSERT INTO account_pref (did, position, type, value_json) VALUES ({did}, 0, 'test', '{{}}')", ct);
                break;
            case "batch":
                await InsertNowAsync(database, did, 0, ct);
                break;
            case "bulk":
                await PreferenceRows.RunAsync(context, [[did, 0, "test", "{}"]], ct);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(first), first, null);
        }
    }

    private static Task<int> InsertNowAsync(PdsDatabase database, string did, int position, CancellationToken ct)
    {
        var batch = new SqlBatch();
        return batch.Add(InsertSql(batch, did, position)).ExecuteNonQueryAsync(database.Context, ct);
    }

    /// <summary>
    /// Rows inserted with the COMMIT (PostgreSQL: <see cref="PdsDatabase.AtCommit"/>); SQLite, where
    /// nothing waits for the commit, inserts them at once.
    /// </summary>
    private static async Task InsertAtCommitAsync(PdsDatabase database, CancellationToken ct, params (string Did, int Position)[] rows)
    {
        var batch = database.Provider == DatabaseProvider.Postgres ? database.AtCommit : new SqlBatch();
        foreach (var (did, position) in rows)
        {
            batch.Add(InsertSql(batch, did, position));
        }

        if (database.Provider != DatabaseProvider.Postgres)
        {
            await batch.ExecuteNonQueryAsync(database.Context, ct);
        }
    }

    private static string InsertSql(SqlBatch batch, string did, int position) =>
        $"INSERT INTO \"account_pref\" (\"did\", \"position\", \"type\", \"value_json\") VALUES ({batch.Param(did)}, {batch.Param(position)}, 'test', '{{}}')";

    private static AccountPreferenceRow Row(string did, int position) => new() { Did = did, Position = position, Type = "test", ValueJson = "{}" };

    private async Task<List<int>> PositionsAsync(string did)
    {
        await using var scope = _services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PdsDbContext>().AccountPreferences
            .Where(p => p.Did == did).Select(p => p.Position).OrderBy(p => p).ToListAsync();
    }

    private static string NewDid() => "did:plc:" + Guid.NewGuid().ToString("N")[..24];
}
