using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Pds.Application.Common.Configuration;

namespace Pds.Infrastructure.Persistence;

/// <summary>Provider-specific wiring of the one model: connection options and connection pragmas.</summary>
public static class DatabaseSetup
{
    /// <summary>How long a SQLite connection waits on a lock held by another process before failing.</summary>
    public const int SqliteBusyTimeoutMs = 30_000;

    /// <summary>The table in which EF Core records the migrations applied to a database.</summary>
    internal const string MigrationsHistoryTable = "ef_migrations_history";

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

        builder.UseSqlite(csb.ConnectionString, o => o.MigrationsHistoryTable(MigrationsHistoryTable))
            .AddInterceptors(SqlitePragmas.Instance)
            .ReplaceService<Microsoft.EntityFrameworkCore.Migrations.IMigrationsAssembly, MigrationsFromMetadata>();
    }

    public static void ConfigurePostgres(DbContextOptionsBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseNpgsql(WithConnectionDefaults(connectionString), o => o.MigrationsHistoryTable(MigrationsHistoryTable))
            .AddInterceptors(DeferredBeginInterceptor.Instance)
            .ReplaceService<Microsoft.EntityFrameworkCore.Migrations.IMigrationsAssembly, MigrationsFromMetadata>();
    }

    /// <summary>
    /// The pool size the server uses unless the connection string sets <c>Maximum Pool Size</c>:
    /// four connections per core of this machine, at least 16 and at most 32 (with the streaming
    /// pool's as many again, two processes stay within PostgreSQL's default of 100 connections).
    /// Requests beyond it wait in the process for a connection (Npgsql's <c>Timeout</c>) instead
    /// of each keeping a database process busy: on two cores shared with the database, 16 served
    /// getRecord 22 % and listRecords 31 % faster than Npgsql's default of 100
    /// (docs/PERFORMANCE.md).
    /// </summary>
    public static int DefaultMaxPoolSize => Math.Clamp(4 * Environment.ProcessorCount, 16, 32);

    /// <summary>
    /// The server's defaults for its pooled PostgreSQL connections, each kept when the operator's
    /// connection string sets it: at most <see cref="DefaultMaxPoolSize"/> connections;
    /// statements the server runs over and over are prepared once per connection (Npgsql
    /// auto-preparation, <c>Max Auto Prepare=64</c>), so PostgreSQL parses and plans them once
    /// instead of per call; and a connection handed back to the pool is not reset
    /// (<c>No Reset On Close=true</c>): the server leaves no session state behind (its locks are
    /// transaction-scoped, it sets no session parameters), so the reset statements Npgsql would
    /// otherwise run at every reuse, several per request, do nothing but cost the database CPU.
    /// </summary>
    public static string WithConnectionDefaults(string connectionString)
    {
        // The generic builder holds only the keys the string names (Npgsql's lists every keyword).
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var named = given.Keys.Cast<string>().Select(k => k.Replace(" ", "", StringComparison.Ordinal)).ToList();
        var csb = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (!named.Contains("MaxAutoPrepare", StringComparer.OrdinalIgnoreCase))
        {
            csb.MaxAutoPrepare = 64;
            csb.AutoPrepareMinUsages = 2;
        }

        if (!named.Contains("NoResetOnClose", StringComparer.OrdinalIgnoreCase))
        {
            csb.NoResetOnClose = true;
        }

        if (!named.Contains("MaxPoolSize", StringComparer.OrdinalIgnoreCase) && !named.Contains("MaximumPoolSize", StringComparer.OrdinalIgnoreCase))
        {
            csb.MaxPoolSize = DefaultMaxPoolSize;
        }

        return csb.ConnectionString;
    }

    /// <summary>
    /// The connection string of a second pool, for reads that stream to a client while they read
    /// (getRepo): <see cref="WithConnectionDefaults"/> under another application name
    /// (<c>&lt;name&gt; stream</c>, which also makes it a pool of its own to Npgsql). Such a read
    /// holds its connection for as long as the client takes to download, so slow downloads wait
    /// for each other, not every other request for them.
    /// </summary>
    public static string StreamingConnectionString(string connectionString)
    {
        var csb = new Npgsql.NpgsqlConnectionStringBuilder(WithConnectionDefaults(connectionString));
        csb.ApplicationName = (csb.ApplicationName is { Length: > 0 } name ? name : "pds") + " stream";
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

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> StreamingConnectionStrings = new(StringComparer.Ordinal);

    /// <summary>
    /// A context like <paramref name="context"/> (the same options, so the same model, which EF
    /// Core's compiled queries require) on a connection of the streaming pool
    /// (<see cref="StreamingConnectionString"/>), which it owns; the caller disposes it.
    /// </summary>
    internal static PostgresPdsDbContext CreateStreamingContext(PdsDbContext context, string connectionString)
    {
        var options = (DbContextOptions<PostgresPdsDbContext>)context.GetService<IDbContextOptions>();
        var streaming = new PostgresPdsDbContext(options);
        var cs = StreamingConnectionStrings.GetOrAdd(connectionString, StreamingConnectionString);
        streaming.Database.SetDbConnection(new Npgsql.NpgsqlConnection(cs), contextOwnsConnection: true);
        return streaming;
    }

    public static PdsDbContext CreateContext(DatabaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Provider == DatabaseProvider.Sqlite
            ? new SqlitePdsDbContext(SqliteOptions(options.ConnectionString))
            : new PostgresPdsDbContext(PostgresOptions(options.ConnectionString));
    }

    /// <summary>
    /// The connection string of a SQLite connection the server keeps open itself (ADR 0018, 0019):
    /// outside Microsoft.Data.Sqlite's pool, which would finalize its statements; read-write
    /// without creating the file (the server's migrations create it); the server's busy timeout.
    /// Not for an in-memory database (<c>Kept</c> false), which is private to its connection.
    /// </summary>
    internal static (string ConnectionString, bool Kept) KeptSqliteConnectionString(string connectionString)
    {
        var csb = new SqliteConnectionStringBuilder(connectionString);
        var kept = csb.Mode != SqliteOpenMode.Memory && csb.DataSource is { Length: > 0 } source && source != ":memory:";
        csb.Pooling = false;
        csb.Mode = SqliteOpenMode.ReadWrite;
        csb.DefaultTimeout = SqliteBusyTimeoutMs / 1000;
        return (csb.ConnectionString, kept);
    }

    /// <summary>The settings every SQLite connection of the server's gets when it opens (see <see cref="SqlitePragmas"/>).</summary>
    internal const string SqliteConnectionPragmas =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;";

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

        private const string Sql = SqliteConnectionPragmas;

        private static readonly ConditionalWeakTable<object, object> Configured = new();

        // EF Core's own SQLite connection carries twelve functions, aggregates and a collation for
        // decimal arithmetic and Regex.IsMatch in queries. Microsoft.Data.Sqlite registers each with
        // the physical connection at every logical open and removes it again at every close, and a
        // request opens and closes the connection at least once: a quarter of a getRecord's CPU
        // (docs/PERFORMANCE.md). The model has no decimal property and no query uses a regular
        // expression (SqliteConnectionSetupTests checks the model), so the connection is created
        // plain, from the same connection string.
        public override InterceptionResult<DbConnection> ConnectionCreating(ConnectionCreatingEventData eventData, InterceptionResult<DbConnection> result) =>
            InterceptionResult<DbConnection>.SuppressWithResult(new SqliteConnection(eventData.ConnectionString));

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
