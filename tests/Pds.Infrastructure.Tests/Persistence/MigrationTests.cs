using Microsoft.EntityFrameworkCore;
using Pds.Application.Common.Configuration;
using Pds.Infrastructure.Persistence;
using Pds.TestKit;

namespace Pds.Infrastructure.Tests.Persistence;

public sealed class MigrationTests : IClassFixture<TestDatabase>
{
    private readonly TestDatabase _db;

    public MigrationTests(TestDatabase db)
    {
        _db = db;
    }

    [Fact]
    public async Task Migrate_EmptyDatabase_AppliesAllAndLeavesNoPendingModelChanges()
    {
        await _db.MigrateAsync();

        await using var context = _db.CreateContext();
        Assert.Empty(await context.Database.GetPendingMigrationsAsync());
        Assert.NotEmpty(await context.Database.GetAppliedMigrationsAsync());
        Assert.False(context.Database.HasPendingModelChanges());
        // The counter row the sequencer increments is part of the schema.
        Assert.Equal(0, await context.SequencerCounter.Where(c => c.Id == 1).Select(c => c.Value).SingleAsync());

        // Migrating again is a no-op.
        await _db.MigrateAsync();
    }

    [Fact]
    public void HasPendingModelChanges_EachProviderMigrationSet_MatchesModel()
    {
        // Both migration sets must track the one model, whichever provider this run uses.
        using var sqlite = new SqlitePdsDbContext(DatabaseSetup.SqliteOptions("Data Source=:memory:"));
        using var postgres = new PostgresPdsDbContext(DatabaseSetup.PostgresOptions("Host=127.0.0.1;Database=unused"));
        Assert.False(sqlite.Database.HasPendingModelChanges());
        Assert.False(postgres.Database.HasPendingModelChanges());
        Assert.NotEmpty(sqlite.Database.GetMigrations());
        Assert.NotEmpty(postgres.Database.GetMigrations());
    }

    [Fact]
    public async Task Migrate_Sqlite_UsesWriteAheadLog()
    {
        if (_db.Provider != DatabaseProvider.Sqlite)
        {
            return;
        }

        await _db.MigrateAsync();
        await using var context = _db.CreateContext();
        await context.Database.OpenConnectionAsync();
        await using var command = context.Database.GetDbConnection().CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task SqliteConnection_ReopenedFromPoolOrNew_KeepsItsSettings()
    {
        if (_db.Provider != DatabaseProvider.Sqlite)
        {
            return;
        }

        await _db.MigrateAsync();
        // The settings are applied once per physical connection: a logical reopen of a pooled
        // connection and a brand-new physical connection must both have them.
        for (var round = 0; round < 3; round++)
        {
            if (round == 2)
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            }

            await using var context = _db.CreateContext();
            await context.Database.OpenConnectionAsync();
            await using var command = context.Database.GetDbConnection().CreateCommand();
            command.CommandText = "PRAGMA foreign_keys";
            Assert.Equal(1L, (long?)await command.ExecuteScalarAsync());
            command.CommandText = "PRAGMA busy_timeout";
            Assert.Equal(30000L, (long?)await command.ExecuteScalarAsync());
            command.CommandText = "PRAGMA synchronous";
            Assert.Equal(1L, (long?)await command.ExecuteScalarAsync()); // NORMAL
            await context.Database.CloseConnectionAsync();
        }
    }
}
