using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Pds.Application.Common.Configuration;

namespace Pds.Infrastructure.Persistence;

/// <summary>Provider-specific wiring of the one model: connection options and connection pragmas.</summary>
public static class DatabaseSetup
{
    /// <summary>How long a SQLite connection waits on a lock held by another process before failing.</summary>
    public const int SqliteBusyTimeoutMs = 30_000;

    public static void ConfigureSqlite(DbContextOptionsBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var csb = new SqliteConnectionStringBuilder(connectionString)
        {
            Pooling = true,
            DefaultTimeout = SqliteBusyTimeoutMs / 1000,
        };
        if (csb.DataSource is { Length: > 0 } file && file != ":memory:")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        }

        builder.UseSqlite(csb.ConnectionString, o => o.MigrationsHistoryTable("ef_migrations_history"))
            .AddInterceptors(SqlitePragmas.Instance);
    }

    public static void ConfigurePostgres(DbContextOptionsBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseNpgsql(WithAutoPrepare(connectionString), o => o.MigrationsHistoryTable("ef_migrations_history"));
    }

    /// <summary>
    /// Unless the operator chose otherwise, statements run twice on a connection are prepared on the
    /// server: the hot write and read statements then skip parsing and planning on every execution.
    /// </summary>
    public static string WithAutoPrepare(string connectionString)
    {
        var csb = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        var chosen = connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase)
            || connectionString.Contains("AutoPrepare", StringComparison.OrdinalIgnoreCase);
        if (!chosen)
        {
            csb.MaxAutoPrepare = 256;
            csb.AutoPrepareMinUsages = 2;
        }

        return csb.ConnectionString;
    }

    public static DbContextOptions<SqlitePdsDbContext> SqliteOptions(string connectionString)
    {
        var builder = new DbContextOptionsBuilder<SqlitePdsDbContext>();
        ConfigureSqlite(builder, connectionString);
        return builder.Options;
    }

    public static DbContextOptions<PostgresPdsDbContext> PostgresOptions(string connectionString)
    {
        var builder = new DbContextOptionsBuilder<PostgresPdsDbContext>();
        ConfigurePostgres(builder, connectionString);
        return builder.Options;
    }

    public static PdsDbContext CreateContext(DatabaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Provider == DatabaseProvider.Sqlite
            ? new SqlitePdsDbContext(SqliteOptions(options.ConnectionString))
            : new PostgresPdsDbContext(PostgresOptions(options.ConnectionString));
    }

    /// <summary>
    /// Per-connection settings: WAL so readers never block the writer, NORMAL sync (durable at
    /// checkpoints, safe in WAL), a busy timeout for locks held by other processes, and foreign keys.
    /// They belong to the physical SQLite connection, which the pool keeps open across logical
    /// opens (EF Core opens and closes the connection around every query outside a transaction), so
    /// they run once per physical connection, not once per query.
    /// </summary>
    private sealed class SqlitePragmas : DbConnectionInterceptor
    {
        public static readonly SqlitePragmas Instance = new();

        private const string Sql =
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;";

        private static readonly ConditionalWeakTable<object, object> Configured = new();

        private static bool IsConfigured(DbConnection connection) =>
            connection is SqliteConnection { Handle: { } handle } && Configured.TryGetValue(handle, out _);

        private static void MarkConfigured(DbConnection connection)
        {
            if (connection is SqliteConnection { Handle: { } handle })
            {
                Configured.AddOrUpdate(handle, Instance);
            }
        }

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
        {
            if (IsConfigured(connection))
            {
                return;
            }

            using var command = connection.CreateCommand();
            command.CommandText = Sql;
            command.ExecuteNonQuery();
            MarkConfigured(connection);
        }

        public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            if (IsConfigured(connection))
            {
                return;
            }

            var command = connection.CreateCommand();
            await using (command.ConfigureAwait(false))
            {
                command.CommandText = Sql;
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            MarkConfigured(connection);
        }
    }
}
