using System.Net;
using System.Net.Http.Headers;
using Pds.Api.Tests.Xrpc;
using Pds.Api.Tests.Xrpc.Repo;
using Pds.Application.Common.Configuration;
using Pds.Domain.Crypto;
using Pds.TestKit;

namespace Pds.Api.Tests.Processes;

/// <summary>
/// A server configured without Redis, S3 or SMTP never maps the libraries behind them (nor
/// Npgsql on SQLite): each would stay resident for the life of the process for nothing.
/// </summary>
public sealed class OptionalLibraryTests : IAsyncLifetime
{
    private readonly TestDatabase _database = new();

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task ServerWithoutRedisS3OrSmtp_AfterWritesBlobsAndAnImport_NeverMapsTheirLibraries()
    {
        await using var server = await PdsProcess.StartAsync(_database.Settings);
        var account = await server.Client.CreateAccountAsync();
        var created = await server.Client.PostAsync(
            "com.atproto.repo.createRecord",
            new { repo = account.Did, collection = "app.bsky.feed.post", record = new Dictionary<string, object> { ["$type"] = "app.bsky.feed.post", ["text"] = "hello", ["createdAt"] = "2026-12-07T00:00:00Z" } },
            account.AccessJwt);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        using var upload = new HttpRequestMessage(HttpMethod.Post, "/xrpc/com.atproto.repo.uploadBlob") { Content = new ByteArrayContent([1, 2, 3, 4]) };
        upload.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        upload.Headers.Authorization = new AuthenticationHeaderValue("Bearer", account.AccessJwt);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.SendAsync(upload)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.PostAsync("com.atproto.server.requestEmailConfirmation", null, account.AccessJwt)).StatusCode);

        await ImportRepositoryAsync(server.Client);

        var mapped = server.MappedFileNames();

        Assert.Contains("Pds.Infrastructure.dll", mapped);
        Assert.DoesNotContain("StackExchange.Redis.dll", mapped);
        Assert.DoesNotContain("MailKit.dll", mapped);
        Assert.DoesNotContain("MimeKit.dll", mapped);
        Assert.DoesNotContain(mapped, name => name.StartsWith("AWSSDK.", StringComparison.Ordinal));
        if (_database.Provider == DatabaseProvider.Sqlite)
        {
            Assert.DoesNotContain("Npgsql.dll", mapped);
        }
    }

    // A migrating account, then importRepo of a small repository.
    private static async Task ImportRepositoryAsync(HttpClient client)
    {
        using var key = Secp256k1Keypair.Generate();
        var (did, access) = await ImportRepoTests.MigratingAccountAsync(client, key);
        var (car, _, _) = await ImportRepoTests.RepositoryCarAsync(did, key, 5);
        Assert.Equal(HttpStatusCode.OK, (await ImportRepoTests.ImportAsync(client, access, car)).StatusCode);
    }
}
