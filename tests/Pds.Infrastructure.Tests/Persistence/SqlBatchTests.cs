using Microsoft.EntityFrameworkCore;
using Pds.Infrastructure.Persistence;
using Pds.TestKit;

namespace Pds.Infrastructure.Tests.Persistence;

/// <summary>
/// A batch of statements with parameters shared between them: one command on PostgreSQL, a
/// command per statement with only the parameters it names on SQLite (Microsoft.Data.Sqlite
/// looks every parameter of a command up in each of its statements).
/// </summary>
public sealed class SqlBatchTests : IAsyncLifetime
{
    private readonly TestDatabase _db = new();

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    [Theory]
    [InlineData("SELECT 1", "SELECT 1", new int[0])]
    [InlineData("UPDATE t SET a = @p3, b = @p10 WHERE c = @p3 AND d = @p1", "UPDATE t SET a = @p0, b = @p1 WHERE c = @p0 AND d = @p2", new[] { 3, 10, 1 })]
    [InlineData("SELECT @p12", "SELECT @p0", new[] { 12 })]
    [InlineData("SELECT 'user@pds' || @p7", "SELECT 'user@pds' || @p0", new[] { 7 })]
    public void Localize_RenamesEachPlaceholderInOrder_SaysWhichParameterItIs(string statement, string expectedSql, int[] expectedNumbers)
    {
        var (sql, numbers) = SqlBatch.Localize(statement);
        Assert.Equal(expectedSql, sql);
        Assert.Equal(expectedNumbers, numbers);
    }

    [Fact]
    public void Commands_PerStatement_EachWithTheParametersItNames_SharedOnesIncluded()
    {
        var batch = new SqlBatch();
        var shared = batch.Param("did:example:shared");
        batch.Add($"DELETE FROM x WHERE a = {shared}");
        batch.Add($"INSERT INTO x VALUES ({shared}, {batch.Param(1)}, {batch.Param(2)})");
        batch.Add($"UPDATE x SET b = {batch.Param(3)} WHERE a = {shared}");

        // Each statement names its own parameters from @p0 on, so its text is the same whichever
        // place it has in a batch (the kept write connection prepares each text once).
        var each = batch.Commands(perStatement: true);
        Assert.Equal(3, each.Count);
        Assert.Equal("DELETE FROM x WHERE a = @p0", each[0].Sql);
        Assert.Equal([0], each[0].Parameters);
        Assert.Equal("INSERT INTO x VALUES (@p0, @p1, @p2)", each[1].Sql);
        Assert.Equal([0, 1, 2], each[1].Parameters);
        Assert.Equal("UPDATE x SET b = @p0 WHERE a = @p1", each[2].Sql);
        Assert.Equal([3, 0], each[2].Parameters);

        var one = Assert.Single(batch.Commands(perStatement: false));
        Assert.Equal(3, one.Sql.Split(";\n").Length);
        Assert.Equal([0, 1, 2, 3], one.Parameters);
    }

    [Fact]
    public async Task ExecuteNonQueryAsync_SharedParameters_StoresEveryRow_CountsEveryChange()
    {
        await _db.MigrateAsync();
        await using var context = _db.CreateContext();
        var createdAt = new DateTime(2026, 12, 7, 8, 0, 0, DateTimeKind.Utc);
        await using (var transaction = await context.Database.BeginTransactionAsync())
        {
            var batch = new SqlBatch();
            var did = batch.Param("did:key:zShared");
            var now = batch.Param(createdAt);
            var key = batch.Param(new byte[] { 1, 2, 3 });
            foreach (var name in new[] { "a", "b", "c" })
            {
                batch.Add($"INSERT INTO \"reserved_key\" (\"key_for\", \"created_at\", \"encrypted_private_key\", \"public_key_did\") VALUES ({batch.Param(name)}, {now}, {key}, {did})");
            }

            batch.Add($"DELETE FROM \"reserved_key\" WHERE \"key_for\" = {batch.Param("b")}");
            Assert.Equal(4, await batch.ExecuteNonQueryAsync(context, CancellationToken.None));
            await transaction.CommitAsync();
        }

        var rows = await context.ReservedKeys.AsNoTracking().OrderBy(k => k.KeyFor).ToListAsync();
        Assert.Equal(["a", "c"], rows.Select(r => r.KeyFor));
        Assert.All(rows, r =>
        {
            Assert.Equal("did:key:zShared", r.PublicKeyDid);
            Assert.Equal(new byte[] { 1, 2, 3 }, r.EncryptedPrivateKey);
            Assert.Equal(createdAt, DateTime.SpecifyKind(r.CreatedAt, DateTimeKind.Utc));
        });
    }

    [Theory]
    [InlineData("present", true)]
    [InlineData("absent", false)]
    public async Task ExecuteFirstResultHasRowAsync_AfterStatementsWithoutColumns_ReadsTheFirstResult(string keyFor, bool expected)
    {
        await _db.MigrateAsync();
        await using var context = _db.CreateContext();
        await using var transaction = await context.Database.BeginTransactionAsync();
        var batch = new SqlBatch();
        var now = batch.Param(DateTime.UtcNow);
        batch.Add($"INSERT INTO \"reserved_key\" (\"key_for\", \"created_at\", \"encrypted_private_key\", \"public_key_did\") VALUES ({batch.Param("present")}, {now}, {batch.Param(new byte[] { 9 })}, {batch.Param("did:key:z1")})");
        batch.Add($"UPDATE \"reserved_key\" SET \"created_at\" = {now} WHERE \"key_for\" = {batch.Param(keyFor)} RETURNING \"key_for\"");
        batch.Add($"DELETE FROM \"reserved_key\" WHERE \"key_for\" = {batch.Param("nothing")}");

        Assert.Equal(expected, await batch.ExecuteFirstResultHasRowAsync(context, CancellationToken.None));
    }

    [Fact]
    public async Task ExecuteNonQueryAsync_OutsideTransaction_Refuses()
    {
        await _db.MigrateAsync();
        await using var context = _db.CreateContext();
        var batch = new SqlBatch().Add("SELECT 1");
        await Assert.ThrowsAsync<InvalidOperationException>(() => batch.ExecuteNonQueryAsync(context, CancellationToken.None));
    }
}
