using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.EntityFrameworkCore.Infrastructure;
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
    public async Task Migrate_UpToDateDatabase_ReadsTheHistoryWithoutRunningTheMigrator()
    {
        var fresh = new TestDatabase();
        await fresh.InitializeAsync();
        try
        {
            // A new database: every migration is applied, through EF Core's migrator.
            var first = new List<EventId>();
            await using (var context = ContextLoggingEvents(fresh.Options, first))
            {
                var applied = await DatabaseMigrator.MigrateAsync(context);
                Assert.Equal(context.Database.GetMigrations(), applied);
                Assert.Empty(await context.Database.GetPendingMigrationsAsync());
            }

            Assert.Contains(RelationalEventId.MigrateUsingConnection, first);
            // Nothing logged a failed command (reading a history table not yet there).
            Assert.DoesNotContain(RelationalEventId.CommandError, first);

            // Up to date: nothing applied, and the migrator (which would also build and compare
            // the snapshot's and the context's models) never runs.
            var second = new List<EventId>();
            await using (var context = ContextLoggingEvents(fresh.Options, second))
            {
                Assert.Empty(await DatabaseMigrator.MigrateAsync(context));
            }

            Assert.DoesNotContain(RelationalEventId.MigrateUsingConnection, second);
            Assert.DoesNotContain(RelationalEventId.MigrationsNotApplied, second);
        }
        finally
        {
            await fresh.DisposeAsync();
        }
    }

    [Fact]
    public async Task Migrate_DatabaseNotCreatedYet_CreatesItAndAppliesEveryMigration()
    {
        // A PostgreSQL database or a SQLite file that does not exist yet, as on a first start.
        var directory = Directory.CreateTempSubdirectory("pds-migrate-");
        var options = _db.Provider == DatabaseProvider.Sqlite
            ? _db.Options with { ConnectionString = $"Data Source={Path.Combine(directory.FullName, "new", "pds.sqlite")}" }
            : _db.Options with
            {
                ConnectionString = new Npgsql.NpgsqlConnectionStringBuilder(_db.Options.ConnectionString)
                {
                    Database = "pds_new_" + Guid.NewGuid().ToString("N"),
                }.ConnectionString,
            };
        try
        {
            var events = new List<EventId>();
            var errors = new List<EventId>();
            await using (var context = ContextLoggingEvents(options, events, errors))
            {
                var applied = await DatabaseMigrator.MigrateAsync(context);
                Assert.Equal(context.Database.GetMigrations(), applied);
                Assert.Empty(await context.Database.GetPendingMigrationsAsync());
                Assert.Equal(0, await context.SequencerCounter.Where(c => c.Id == 1).Select(c => c.Value).SingleAsync());
            }

            // An operator's first start logs no error: not the failed open of a database that is
            // not there yet (PostgreSQL's migrator reads the history before creating it), nor a
            // failed read of a history table not there yet.
            Assert.Contains(RelationalEventId.MigrateUsingConnection, events);
            Assert.Empty(errors);

            await using (var again = DatabaseSetup.CreateContext(options))
            {
                Assert.Empty(await DatabaseMigrator.MigrateAsync(again));
            }
        }
        finally
        {
            if (_db.Provider == DatabaseProvider.Postgres)
            {
                await using var context = DatabaseSetup.CreateContext(options);
                Npgsql.NpgsqlConnection.ClearAllPools();
                await context.Database.EnsureDeletedAsync();
            }
            else
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            }

            directory.Delete(recursive: true);
        }
    }

    // A context on a database that records the id of every event EF Core logs (and, in errors,
    // of those it logs at the Error level or above).
    private static PdsDbContext ContextLoggingEvents(DatabaseOptions options, List<EventId> events, List<EventId>? errors = null)
    {
        void Record(EventData e)
        {
            lock (events)
            {
                events.Add(e.EventId);
                if (e.LogLevel >= LogLevel.Error)
                {
                    errors?.Add(e.EventId);
                }
            }
        }

        if (options.Provider == DatabaseProvider.Sqlite)
        {
            var sqlite = new DbContextOptionsBuilder<SqlitePdsDbContext>();
            DatabaseSetup.ConfigureSqlite(sqlite, options.ConnectionString);
            sqlite.LogTo((_, _) => true, Record);
            return new SqlitePdsDbContext(sqlite.Options);
        }

        var postgres = new DbContextOptionsBuilder<PostgresPdsDbContext>();
        DatabaseSetup.ConfigurePostgres(postgres, options.ConnectionString);
        postgres.LogTo((_, _) => true, Record);
        return new PostgresPdsDbContext(postgres.Options);
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
    public async Task Postgres_DatabaseWithALinguisticLocale_TextStillSortsByteByByte()
    {
        if (_db.Provider != DatabaseProvider.Postgres)
        {
            return;
        }

        // A database created with an ICU locale, as an operator's might be: there "a" sorts before "B".
        var icu = new TestDatabase { PostgresCreateOptions = "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'" };
        await icu.InitializeAsync();
        try
        {
            await icu.MigrateAsync();
            await using var context = icu.CreateContext();
            string[] rkeys = ["a", "B", "_c", "3", "a-b", "ab"];
            foreach (var rkey in rkeys)
            {
                context.Records.Add(new Pds.Infrastructure.Persistence.Rows.RecordRow
                {
                    Did = "did:plc:collation",
                    Collection = "app.bsky.feed.post",
                    Rkey = rkey,
                    Uri = "at://did:plc:collation/app.bsky.feed.post/" + rkey,
                    Cid = "bafy" + rkey,
                    RepoRev = "rev",
                    IndexedAt = DateTime.UtcNow,
                });
            }

            await context.SaveChangesAsync();

            // The database's own collation would order them otherwise...
            var linguistic = await context.Database.SqlQueryRaw<string>("SELECT rkey AS \"Value\" FROM record ORDER BY rkey COLLATE \"default\"").ToListAsync();
            Assert.NotEqual(rkeys.Order(StringComparer.Ordinal), linguistic);

            // ...the columns compare byte by byte, in queries and in the primary key's index.
            Assert.Equal(rkeys.Order(StringComparer.Ordinal), await context.Records.OrderBy(r => r.Rkey).Select(r => r.Rkey).ToListAsync());
            Assert.Equal(["B", "_c"], await context.Records.Where(r => r.Rkey.CompareTo("3") > 0 && r.Rkey.CompareTo("a") < 0).OrderBy(r => r.Rkey).Select(r => r.Rkey).ToListAsync());
        }
        finally
        {
            await icu.DisposeAsync();
        }
    }

    [Fact]
    public Task Migrate_RecordContent_CopiesEachRecordsBlockOntoItsRow() =>
        JustBeforeAsync("RecordContent", async (context, steps) =>
        {
            // Rows as the schema before held them: a record with its block, and one whose block is missing.
            await context.Database.ExecuteSqlRawAsync(
                "INSERT INTO repo_block (did, cid, repo_rev, size, content) VALUES ('did:plc:m', 'bafyone', 'rev', 3, {0})", new byte[] { 1, 2, 3 });
            foreach (var (rkey, cid) in new[] { ("a", "bafyone"), ("b", "bafymissing") })
            {
                await context.Database.ExecuteSqlRawAsync(
                    "INSERT INTO record (did, collection, rkey, uri, cid, repo_rev, indexed_at) VALUES ('did:plc:m', 'app.bsky.feed.post', {0}, {1}, {2}, 'rev', {3})",
                    rkey, "at://did:plc:m/app.bsky.feed.post/" + rkey, cid, DateTime.UtcNow);
            }

            await steps.ToLatestAsync();

            var contents = await context.Records.AsNoTracking().OrderBy(r => r.Rkey).Select(r => r.Content).ToListAsync();
            Assert.Equal([new byte[] { 1, 2, 3 }, null], contents);
        });

    [Fact]
    public Task Migrate_RecordBlocksOnce_DropsTheCopiesOfRecordBlocks_AndDownPutsThemBack() =>
        JustBeforeAsync("RecordBlocksOnce", async (context, steps) =>
        {
            // As the schema before held them: a tree node, two records sharing a block (on their
            // rows and in repo_block), and a record without content whose block only repo_block has.
            foreach (var (cid, bytes) in new[] { ("bafynode", new byte[] { 1 }), ("bafyshared", new byte[] { 2 }), ("bafybare", new byte[] { 3 }) })
            {
                await context.Database.ExecuteSqlRawAsync(
                    "INSERT INTO repo_block (did, cid, repo_rev, size, content) VALUES ('did:plc:m', {0}, 'rev', 1, {1})", cid, bytes);
            }

            foreach (var (rkey, cid, content) in new[] { ("a", "bafyshared", new byte[] { 2 }), ("b", "bafyshared", new byte[] { 2 }), ("c", "bafybare", null) })
            {
                await context.Database.ExecuteSqlRawAsync(
                    "INSERT INTO record (did, collection, rkey, uri, cid, repo_rev, indexed_at) VALUES ('did:plc:m', 'app.bsky.feed.post', {0}, {1}, {2}, 'rev', {3})",
                    rkey, "at://did:plc:m/app.bsky.feed.post/" + rkey, cid, DateTime.UtcNow);
                if (content is not null)
                {
                    await context.Database.ExecuteSqlRawAsync("UPDATE record SET content = {0} WHERE rkey = {1}", content, rkey);
                }
            }

            Task<List<string>> BlockCidsAsync() => context.RepoBlocks.AsNoTracking().OrderBy(b => b.Cid).Select(b => b.Cid).ToListAsync();

            await steps.ToTargetAsync();
            Assert.Equal(["bafybare", "bafynode"], await BlockCidsAsync());
            Assert.Equal(3, await context.Records.CountAsync(r => r.Did == "did:plc:m"));

            // Down: the schema before finds every record's block in repo_block again.
            await steps.ToBeforeAsync();
            Assert.Equal(["bafybare", "bafynode", "bafyshared"], await BlockCidsAsync());
            var restored = await context.RepoBlocks.AsNoTracking().SingleAsync(b => b.Cid == "bafyshared");
            Assert.Equal(new byte[] { 2 }, restored.Content);
            Assert.Equal((1, "rev"), (restored.Size, restored.RepoRev));
        });

    [Fact]
    public async Task Migrate_Postgres_RecordContentEarly_RebuildsRecordWithContentThird_AndDownPutsItLast()
    {
        if (_db.Provider != DatabaseProvider.Postgres)
        {
            return;
        }

        await JustBeforeAsync("RecordContentEarly", async (context, steps) =>
        {
            var written = new DateTime(2026, 12, 6, 12, 0, 0, DateTimeKind.Utc);
            // One record with its block, one without content but taken down.
            await context.Database.ExecuteSqlRawAsync(
                "INSERT INTO record (did, collection, rkey, uri, cid, repo_rev, indexed_at, content) VALUES ('did:plc:m', 'app.bsky.feed.post', 'a', 'at://did:plc:m/app.bsky.feed.post/a', 'bafyone', 'rev', {0}, {1})",
                written, new byte[] { 1, 2 });
            await context.Database.ExecuteSqlRawAsync(
                "INSERT INTO record (did, collection, rkey, uri, cid, repo_rev, indexed_at, takedown_ref) VALUES ('did:plc:m', 'app.bsky.feed.post', 'b', 'at://did:plc:m/app.bsky.feed.post/b', 'bafytwo', 'rev', {0}, 'ticket-7')",
                written);

            Task<List<string>> ColumnsAsync() => context.Database
                .SqlQueryRaw<string>("SELECT attname::text AS \"Value\" FROM pg_attribute WHERE attrelid = 'record'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum")
                .ToListAsync();
            Task<List<string>> IndexesAsync() => context.Database
                .SqlQueryRaw<string>("SELECT indexname::text AS \"Value\" FROM pg_indexes WHERE tablename = 'record' ORDER BY indexname")
                .ToListAsync();
            async Task AssertRowsKeptAsync()
            {
                context.ChangeTracker.Clear();
                var rows = await context.Records.AsNoTracking().OrderBy(r => r.Rkey).ToListAsync();
                Assert.Equal(["a", "b"], rows.Select(r => r.Rkey));
                Assert.Equal(new byte[] { 1, 2 }, rows[0].Content);
                Assert.Null(rows[1].Content);
                Assert.Equal(("bafytwo", "ticket-7", "at://did:plc:m/app.bsky.feed.post/b", "rev"), (rows[1].Cid, rows[1].TakedownRef, rows[1].Uri, rows[1].RepoRev));
                Assert.Equal(written, rows[1].IndexedAt.ToUniversalTime());
                Assert.Equal(["IX_record_did_cid", "IX_record_did_repo_rev", "PK_record"], await IndexesAsync());

                // The primary key still holds.
                var duplicate = await Assert.ThrowsAnyAsync<Exception>(() => context.Database.ExecuteSqlRawAsync(
                    "INSERT INTO record (did, collection, rkey, uri, cid, repo_rev, indexed_at) VALUES ('did:plc:m', 'app.bsky.feed.post', 'a', 'x', 'y', 'rev', now())"));
                Assert.Contains("PK_record", duplicate.Message + duplicate.InnerException?.Message, StringComparison.Ordinal);
            }

            await steps.ToTargetAsync();
            Assert.Equal(["did", "cid", "content", "collection", "rkey", "uri", "repo_rev", "indexed_at", "takedown_ref"], await ColumnsAsync());
            await AssertRowsKeptAsync();

            await steps.ToBeforeAsync();
            Assert.Equal(["did", "collection", "rkey", "uri", "cid", "repo_rev", "indexed_at", "takedown_ref", "content"], await ColumnsAsync());
            await AssertRowsKeptAsync();
        });
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

    /// <summary>
    /// Runs <paramref name="test"/> on a database of its own, migrated up to the migration before
    /// <paramref name="migration"/> (named without its timestamp), with the steps to move it on.
    /// </summary>
    private static async Task JustBeforeAsync(string migration, Func<PdsDbContext, MigrationSteps, Task> test)
    {
        var database = new TestDatabase();
        await database.InitializeAsync();
        try
        {
            await using var context = database.CreateContext();
            var migrations = context.Database.GetMigrations().ToList();
            var index = migrations.FindIndex(m => m.EndsWith("_" + migration, StringComparison.Ordinal));
            Assert.True(index > 0, $"no migration {migration} after the first");
            var steps = new MigrationSteps(context.GetService<Microsoft.EntityFrameworkCore.Migrations.IMigrator>(), migrations[index - 1], migrations[index]);
            await steps.ToBeforeAsync();
            await test(context, steps);
        }
        finally
        {
            await database.DisposeAsync();
        }
    }

    private sealed record MigrationSteps(Microsoft.EntityFrameworkCore.Migrations.IMigrator Migrator, string Before, string Target)
    {
        public Task ToBeforeAsync() => Migrator.MigrateAsync(Before);

        public Task ToTargetAsync() => Migrator.MigrateAsync(Target);

        public Task ToLatestAsync() => Migrator.MigrateAsync();
    }
}
