using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Pds.Application.Common.Configuration;
using Pds.Infrastructure.Persistence;
using Pds.TestKit;

namespace Pds.Infrastructure.Tests.Persistence;

/// <summary>
/// The SQLite connection the server's contexts use is a plain one: without EF Core's decimal and
/// regular-expression functions, which Microsoft.Data.Sqlite would register with the physical
/// connection at every open and remove at every close (docs/PERFORMANCE.md).
/// </summary>
public sealed class SqliteConnectionSetupTests : IAsyncLifetime
{
    private readonly TestDatabase _db = new();

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    [Theory]
    [InlineData("SELECT ef_add(1, 2)", "ef_add")]
    [InlineData("SELECT ef_sum(1)", "ef_sum")]
    [InlineData("SELECT 'a' REGEXP 'a'", "regexp")]
    public async Task ContextConnection_Sqlite_CarriesNoEfCoreFunctions(string sql, string function)
    {
        if (_db.Provider != DatabaseProvider.Sqlite)
        {
            return;
        }

        await _db.MigrateAsync();
        await using var context = _db.CreateContext();
        await context.Database.OpenConnectionAsync();
        await using var command = context.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        var e = await Assert.ThrowsAsync<SqliteException>(() => command.ExecuteScalarAsync());
        Assert.Contains($"no such function: {function}", e.Message, StringComparison.OrdinalIgnoreCase);

        // The connection is still the configured one, and still serves the model's queries.
        command.CommandText = "PRAGMA foreign_keys";
        Assert.Equal(1L, (long?)await command.ExecuteScalarAsync());
        Assert.Equal(0, await context.Accounts.CountAsync());
    }

    // What the plain connection rests on: EF Core needs those functions only for decimal values
    // (arithmetic, comparison, aggregates, the EF_DECIMAL collation) and Regex.IsMatch. A decimal
    // property added to the model must bring them back (DatabaseSetup.SqlitePragmas).
    [Fact]
    public void SqliteModel_HasNoDecimalProperty()
    {
        using var context = new SqlitePdsDbContext(DatabaseSetup.SqliteOptions("Data Source=:memory:"));
        var decimals = context.Model.GetEntityTypes()
            .SelectMany(t => t.GetProperties())
            .Where(p => Nullable.GetUnderlyingType(p.ClrType) == typeof(decimal) || p.ClrType == typeof(decimal))
            .Select(p => $"{p.DeclaringType.Name}.{p.Name}")
            .ToList();
        Assert.Empty(decimals);
    }
}
