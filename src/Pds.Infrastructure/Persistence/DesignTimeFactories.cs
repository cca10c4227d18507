using Microsoft.EntityFrameworkCore.Design;

namespace Pds.Infrastructure.Persistence;

// Used by dotnet-ef to build each provider's model when adding migrations; no database is opened.

public sealed class SqlitePdsDbContextFactory : IDesignTimeDbContextFactory<SqlitePdsDbContext>
{
    public SqlitePdsDbContext CreateDbContext(string[] args) =>
        new(DatabaseSetup.SqliteOptions("Data Source=design-time.sqlite"));
}

public sealed class PostgresPdsDbContextFactory : IDesignTimeDbContextFactory<PostgresPdsDbContext>
{
    public PostgresPdsDbContext CreateDbContext(string[] args) =>
        new(DatabaseSetup.PostgresOptions("Host=localhost;Database=pds_design"));
}
