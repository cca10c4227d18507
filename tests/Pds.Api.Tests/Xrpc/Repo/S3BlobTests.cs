using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pds.Domain.Data;
using Pds.TestKit;

namespace Pds.Api.Tests.Xrpc.Repo;

/// <summary>
/// The blob methods with <c>PDS_BLOBSTORE=s3</c>, against a real S3-compatible server on loopback:
/// what the API promises holds, and the bucket holds exactly what it should.
/// </summary>
public sealed class S3BlobTests(S3PdsApiFactory factory) : IClassFixture<S3PdsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static byte[] Png(int size)
    {
        var bytes = new byte[size];
        RandomNumberGenerator.Fill(bytes);
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(bytes, 0);
        return bytes;
    }

    private async Task<HttpResponseMessage> UploadAsync(TestAccount account, byte[] bytes)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/xrpc/com.atproto.repo.uploadBlob") { Content = new StreamContent(new MemoryStream(bytes)) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", account.AccessJwt);
        return await _client.SendAsync(request);
    }

    private async Task<HttpResponseMessage> SetAvatarAsync(TestAccount account, JsonElement blob) =>
        await _client.PostAsync(
            "com.atproto.repo.putRecord",
            new { repo = account.Did, collection = "app.bsky.actor.profile", rkey = "self", record = new Dictionary<string, object> { ["$type"] = "app.bsky.actor.profile", ["avatar"] = blob } },
            account.AccessJwt);

    private Task<IReadOnlyList<string>> KeysAsync(string prefix) => factory.S3.ListKeysAsync(factory.S3.Bucket, prefix);

    [Fact]
    public async Task UploadReferenceServeAndDelete_TheBucketFollowsTheRecords()
    {
        var account = await _client.CreateAccountAsync();
        var bytes = Png(300_000);
        var blob = (await (await UploadAsync(account, bytes)).ReadOkJsonAsync()).GetProperty("blob");
        var cid = blob.GetProperty("ref").GetProperty("$link").GetString()!;
        Assert.Equal(Cid.ForRaw(bytes).ToString(), cid);
        Assert.Equal("image/png", blob.GetProperty("mimeType").GetString());

        // Uploaded: one temporary object, nothing permanent yet, and nothing served.
        Assert.Single(await KeysAsync($"tmp/{account.Did}/"));
        Assert.Empty(await KeysAsync($"blocks/{account.Did}/"));
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.GetAsync($"/xrpc/com.atproto.sync.getBlob?did={account.Did}&cid={cid}"), HttpStatusCode.BadRequest, "BlobNotFound");

        // Referenced: moved to its content address, served whole and by range.
        await (await SetAvatarAsync(account, blob)).ReadOkJsonAsync();
        Assert.Empty(await KeysAsync($"tmp/{account.Did}/"));
        Assert.Equal([$"blocks/{account.Did}/{cid}"], await KeysAsync($"blocks/{account.Did}/"));

        var served = await _client.GetAsync($"/xrpc/com.atproto.sync.getBlob?did={account.Did}&cid={cid}");
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(bytes, await served.Content.ReadAsByteArrayAsync());
        Assert.Equal("nosniff", served.Headers.GetValues("X-Content-Type-Options").Single());

        var range = new HttpRequestMessage(HttpMethod.Get, $"/xrpc/com.atproto.sync.getBlob?did={account.Did}&cid={cid}");
        range.Headers.Range = new RangeHeaderValue(250_000, 250_999);
        var partial = await _client.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(bytes[250_000..251_000], await partial.Content.ReadAsByteArrayAsync());

        // No longer referenced: the object is deleted from the bucket.
        await (await _client.PostAsync("com.atproto.repo.deleteRecord", new { repo = account.Did, collection = "app.bsky.actor.profile", rkey = "self" }, account.AccessJwt)).ReadOkJsonAsync();
        Assert.Empty(await KeysAsync($"blocks/{account.Did}/"));
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.GetAsync($"/xrpc/com.atproto.sync.getBlob?did={account.Did}&cid={cid}"), HttpStatusCode.BadRequest, "BlobNotFound");

        // Reads spool through local files that are gone once the response is sent.
        Assert.Empty(SpoolFiles());
    }

    [Fact]
    public async Task Upload_OverLimit_413AndNothingInTheBucketOrSpool()
    {
        var account = await _client.CreateAccountAsync();
        await XrpcPipelineTests.AssertXrpcErrorAsync(await UploadAsync(account, Png(S3PdsApiFactory.Limit + 1)), HttpStatusCode.RequestEntityTooLarge, "PayloadTooLarge");
        Assert.Empty(await KeysAsync($"tmp/{account.Did}/"));
        Assert.Empty(SpoolFiles());
    }

    [Fact]
    public async Task StaleUpload_ExpiresFromTheBucket()
    {
        var account = await _client.CreateAccountAsync();
        var blob = (await (await UploadAsync(account, Png(1000))).ReadOkJsonAsync()).GetProperty("blob");
        var cid = blob.GetProperty("ref").GetProperty("$link").GetString();
        var janitor = factory.Services.GetRequiredService<Pds.Infrastructure.Blobs.TempBlobJanitor>();

        // A fresh upload survives a sweep.
        await janitor.RunOnceAsync();
        Assert.Single(await KeysAsync($"tmp/{account.Did}/"));

        // Its row aged past the expiry: the sweep removes the row and the object together.
        await factory.WithScopeAsync(sp => sp.GetRequiredService<Pds.Infrastructure.Persistence.PdsDbContext>().Blobs
            .Where(b => b.Cid == cid)
            .ExecuteUpdateAsync(u => u.SetProperty(b => b.CreatedAt, DateTime.UtcNow.AddDays(-2))));
        Assert.True(await janitor.RunOnceAsync() >= 1);
        Assert.Empty(await KeysAsync($"tmp/{account.Did}/"));
        await XrpcPipelineTests.AssertXrpcErrorAsync(await SetAvatarAsync(account, blob), HttpStatusCode.BadRequest, "BlobNotFound");
    }

    private string[] SpoolFiles()
    {
        var spool = Path.Combine(factory.DataDirectory, "tmp", "s3");
        return Directory.Exists(spool) ? Directory.GetFiles(spool) : [];
    }
}

/// <summary>A server whose blob store is a bucket on a loopback S3-compatible server.</summary>
public sealed class S3PdsApiFactory : PdsApiFactory
{
    public const int Limit = 512 * 1024;

    public S3TestServer S3 { get; } = new();

    public override async Task InitializeAsync()
    {
        await S3.InitializeAsync();
        await base.InitializeAsync();
    }

    protected override IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string>(S3.Settings)
    {
        ["PDS_BLOB_UPLOAD_LIMIT"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    protected override async Task DisposeExtrasAsync() => await S3.DisposeAsync();
}
