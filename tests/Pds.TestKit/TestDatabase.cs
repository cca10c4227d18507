using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Pds.Application.Common.Configuration;
using Pds.Infrastructure;
using Pds.Infrastructure.Configuration;
using Pds.Infrastructure.Persistence;
using Xunit;

namespace Pds.TestKit;

/// <summary>
/// A fresh, empty database for one test class, on the provider chosen by
/// <c>PDS_TEST_DB_PROVIDER</c> (sqlite by default, or postgres with the server at
/// <c>PDS_TEST_DATABASE_URL</c>): a temporary SQLite file, or a PostgreSQL database with a random
/// name that is dropped afterwards.
/// </summary>
public sealed class TestDatabase : IAsyncLifetime
{
    private string? _postgresServer;

    public TestDatabase()
    {
        DataDirectory = Path.Combine(Path.GetTempPath(), "pds-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDirectory);
        Provider = Environment.GetEnvironmentVariable("PDS_TEST_DB_PROVIDER")?.ToUpperInvariant() switch
        {
            null or "" or "SQLITE" => DatabaseProvider.Sqlite,
            "POSTGRES" or "POSTGRESQL" => DatabaseProvider.Postgres,
            var other => throw new InvalidOperationException($"PDS_TEST_DB_PROVIDER={other} is not sqlite or postgres"),
        };
    }

    public DatabaseProvider Provider { get; }

    /// <summary>Added to PostgreSQL's <c>CREATE DATABASE</c> (a template, a locale); unused on SQLite.</summary>
    public string PostgresCreateOptions { get; init; } = "";

    public string DataDirectory { get; }

    /// <summary>Settings that point a server or the configuration loader at this database.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; private set; } = new Dictionary<string, string>();

    public DatabaseOptions Options { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string>
        {
            [PdsConfigurationKeys.DataDirectory] = DataDirectory,
            [PdsConfigurationKeys.DevMode] = "true",
        };
        if (Provider == DatabaseProvider.Postgres)
        {
            _postgresServer = Environment.GetEnvironmentVariable("PDS_TEST_DATABASE_URL")
                ?? throw new InvalidOperationException("PDS_TEST_DATABASE_URL must name the PostgreSQL server for PDS_TEST_DB_PROVIDER=postgres");
            var name = "pds_test_" + Guid.NewGuid().ToString("N");
            await using (var admin = new NpgsqlConnection(AdminConnectionString()))
            {
                await admin.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE {name} {PostgresCreateOptions}", admin);
                await create.ExecuteNonQueryAsync();
            }

            // A modest pool per test database keeps parallel test classes within the server's connection limit.
            var builder = new NpgsqlConnectionStringBuilder(PostgresConnectionString.Normalize(_postgresServer)) { Database = name, MaxPoolSize = 20 };
            settings[PdsConfigurationKeys.DbProvider] = "postgres";
            settings[PdsConfigurationKeys.DatabaseUrl] = builder.ConnectionString;
        }

        Settings = settings;
        Options = LoadOptions().Database;
    }

    /// <summary>Options as the server would load them for this database, plus any overrides.</summary>
    public PdsOptions LoadOptions(IReadOnlyDictionary<string, string>? overrides = null) =>
        PdsConfigurationLoader.Load(
            key => overrides is not null && overrides.TryGetValue(key, out var o) ? o : Settings.GetValueOrDefault(key),
            "0.0.0-test");

    public PdsDbContext CreateContext() => DatabaseSetup.CreateContext(Options);

    /// <summary>A service provider with the infrastructure registered against this database.</summary>
    public ServiceProvider CreateServices()
    {
        var services = new ServiceCollection();
        services.AddSingleton(LoadOptions());
        services.AddInfrastructure();
        return services.BuildServiceProvider(validateScopes: true);
    }

    public async Task MigrateAsync()
    {
        await using var context = CreateContext();
        await DatabaseMigrator.MigrateAsync(context);
    }

    public async Task DisposeAsync()
    {
        if (Provider == DatabaseProvider.Postgres && _postgresServer is not null && Options is not null)
        {
            NpgsqlConnection.ClearAllPools();
            var name = new NpgsqlConnectionStringBuilder(Options.ConnectionString).Database;
            await using var admin = new NpgsqlConnection(AdminConnectionString());
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
        else
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a pool is removed with the temp directory later.
        }
    }

    private string AdminConnectionString()
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgresConnectionString.Normalize(_postgresServer!));
        if (string.IsNullOrEmpty(builder.Database))
        {
            builder.Database = "postgres";
        }

        return builder.ConnectionString;
    }

    public override string ToString() => Provider.ToString().ToLower(CultureInfo.InvariantCulture);
}
