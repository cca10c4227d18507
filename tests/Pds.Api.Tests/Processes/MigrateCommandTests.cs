using Microsoft.EntityFrameworkCore;
using Pds.Infrastructure.Persistence;
using Pds.TestKit;

namespace Pds.Api.Tests.Processes;

/// <summary>
/// <c>Pds.Api migrate</c>, the command an operator runs to migrate ahead of a start: what it applied,
/// then that there is nothing left, without an error in its output either time.
/// </summary>
public sealed class MigrateCommandTests : IAsyncLifetime
{
    private readonly TestDatabase _database = new();

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task Migrate_NewDatabaseThenAgain_AppliesEveryMigrationOnceThenReportsUpToDate()
    {
        await using var context = _database.CreateContext();
        var migrations = context.Database.GetMigrations().ToList();

        var (firstCode, first) = await PdsProcess.RunAsync(_database.Settings, "migrate");
        Assert.True(firstCode == 0, first);
        Assert.Contains($"database migrations applied: {string.Join(", ", migrations)}", first, StringComparison.Ordinal);
        Assert.Equal(1, CountOf(migrations[^1], first));
        Assert.DoesNotContain("fail:", first, StringComparison.Ordinal);
        Assert.Empty(await context.Database.GetPendingMigrationsAsync());

        var (secondCode, second) = await PdsProcess.RunAsync(_database.Settings, "migrate");
        Assert.True(secondCode == 0, second);
        Assert.Contains("database up to date", second, StringComparison.Ordinal);
        Assert.DoesNotContain("applied", second, StringComparison.Ordinal);
        Assert.DoesNotContain("fail:", second, StringComparison.Ordinal);
    }

    private static int CountOf(string part, string text)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
