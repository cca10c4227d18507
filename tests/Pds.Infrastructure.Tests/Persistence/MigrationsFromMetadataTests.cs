using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Pds.Infrastructure.Persistence;

namespace Pds.Infrastructure.Tests.Persistence;

/// <summary>
/// The migrations and model snapshot found through the assembly's metadata are exactly the ones EF
/// Core's own discovery (every type of the assembly) finds, for each provider's context.
/// </summary>
public sealed class MigrationsFromMetadataTests
{
    public static TheoryData<string> Providers => new() { "sqlite", "postgres" };

    [Theory]
    [MemberData(nameof(Providers))]
    public void Migrations_AreThoseEveryTypeOfTheAssemblyDeclares(string provider)
    {
        using var context = Create(provider);
        var migrations = context.GetService<IMigrationsAssembly>();

        Assert.IsType<MigrationsFromMetadata>(migrations);
        var expected = AllTypes()
            .Where(t => t.IsSubclassOf(typeof(Migration)) && t.GetCustomAttribute<DbContextAttribute>()?.ContextType == context.GetType())
            .ToDictionary(t => t.GetCustomAttribute<MigrationAttribute>()!.Id, t => t);
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), migrations.Migrations.Keys);
        Assert.All(migrations.Migrations, m => Assert.Equal(expected[m.Key], m.Value.AsType()));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void ModelSnapshot_IsTheContextsOwn(string provider)
    {
        using var context = Create(provider);
        var snapshot = context.GetService<IMigrationsAssembly>().ModelSnapshot;

        var expected = Assert.Single(AllTypes(), t => t.IsSubclassOf(typeof(ModelSnapshot)) && t.GetCustomAttribute<DbContextAttribute>()?.ContextType == context.GetType());
        Assert.IsType(expected, snapshot);
        // Kept, as EF Core keeps it: a snapshot builds its model once.
        Assert.Same(snapshot, context.GetService<IMigrationsAssembly>().ModelSnapshot);
    }

    [Fact]
    public void DirectSubclasses_FindsEveryMigrationClassOfTheAssembly()
    {
        var assembly = typeof(PdsDbContext).Assembly;

        var found = MigrationsFromMetadata.DirectSubclasses(assembly, typeof(Migration));

        Assert.NotNull(found);
        Assert.Equal(
            AllTypes().Where(t => t.BaseType == typeof(Migration)).Select(t => t.FullName).Order(StringComparer.Ordinal),
            found.Select(t => t.FullName).Order(StringComparer.Ordinal));
    }

    private static Type[] AllTypes() => typeof(PdsDbContext).Assembly.GetTypes();

    private static PdsDbContext Create(string provider) => provider == "sqlite"
        ? new SqlitePdsDbContext(DatabaseSetup.SqliteOptions("Data Source=:memory:"))
        : new PostgresPdsDbContext(DatabaseSetup.PostgresOptions("Host=127.0.0.1;Database=unused"));
}
