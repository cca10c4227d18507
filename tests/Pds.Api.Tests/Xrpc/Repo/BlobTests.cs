using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pds.Domain.Data;

namespace Pds.Api.Tests.Xrpc.Repo;

/// <summary>uploadBlob, getBlob, listBlobs, listMissingBlobs and blob lifetimes through records.</summary>
public sealed class BlobTests(BlobLimitFactory factory) : IClassFixture<BlobLimitFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static byte[] Png(int size)
    {
        var bytes = new byte[size];
        RandomNumberGenerator.Fill(bytes);
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(bytes, 0);
        return bytes;
    }

    private async Task<JsonElement> UploadAsync(TestAccount account, byte[] bytes, string contentType = "application/octet-stream")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/xrpc/com.atproto.repo.uploadBlob") { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", account.AccessJwt);
        return (await (await _client.SendAsync(request)).ReadOkJsonAsync()).GetProperty("blob");
    }

    private async Task<HttpResponseMessage> SetAvatarAsync(TestAccount account, JsonElement blob) =>
        await _client.PostAsync(
            "com.atproto.repo.putRecord",
            new { repo = account.Did, collection = "app.bsky.actor.profile", rkey = "self", record = new Dictionary<string, object> { ["$type"] = "app.bsky.actor.profile", ["avatar"] = blob } },
            account.AccessJwt);

    [Fact]
    public async Task Upload_ReturnsRawCidAndSniffedType_ServedOnlyOnceReferenced()
    {
        var account = await _client.CreateAccountAsync();
        var bytes = Png(5000);
        var blob = await UploadAsync(account, bytes);
        var cid = blob.GetProperty("ref").GetProperty("$link").GetString();
        Assert.Equal(Cid.ForRaw(bytes).ToString(), cid);
        Assert.Equal("image/png", blob.GetProperty("mimeType").GetString());
        Assert.Equal(5000, blob.GetProperty("size").GetInt64());

        var early = await _client.GetAsync($"/xrpc/com.atproto.sync.getBlob?did={account.Did}&cid={cid}");
        await XrpcPipelineTests.AssertXrpcErrorAsync(early, HttpStatusCode.BadRequest, "BlobNotFound");

        await (await SetAvatarAsync(account, blob)).ReadOkJsonAsync();
        var served = await _client.GetAsync($"/xrpc/com.atproto.sync.getBlob?did={account.Did}&cid={cid}");
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(bytes, await served.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/png", served.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", served.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("sandbox", served.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        var range = new HttpRequestMessage(HttpMethod.Get, $"/xrpc/com.atproto.sync.getBlob?did={account.Did}&cid={cid}");
        range.Headers.Range = new RangeHeaderValue(100, 199);
        var partial = await _client.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(bytes[100..200], await partial.Content.ReadAsByteArrayAsync());

        var listed = await (await _client.GetAsync($"com.atproto.sync.listBlobs?did={account.Did}", null)).ReadOkJsonAsync();
        Assert.Equal([cid], listed.GetProperty("cids").EnumerateArray().Select(c => c.GetString()));
        var missing = await (await _client.GetAsync("com.atproto.repo.listMissingBlobs", account.AccessJwt)).ReadOkJsonAsync();
        Assert.Equal(0, missing.GetProperty("blobs").GetArrayLength());
    }

    [Fact]
    public async Task ListBlobs_Since_OnlyBlobsOfRecordsWrittenAfterThatRevision()
    {
        var account = await _client.CreateAccountAsync();
        async Task<(string Cid, string Rev)> PostWithImageAsync()
        {
            var blob = await UploadAsync(account, Png(2000));
            var record = new Dictionary<string, object>
            {
                ["$type"] = "app.bsky.feed.post",
                ["text"] = "image",
                ["createdAt"] = "2026-12-06T00:00:00.000Z",
                ["embed"] = new Dictionary<string, object>
                {
                    ["$type"] = "app.bsky.embed.images",
                    ["images"] = new[] { new Dictionary<string, object> { ["alt"] = "", ["image"] = blob } },
                },
            };
            var written = await (await _client.PostAsync("com.atproto.repo.createRecord", new { repo = account.Did, collection = "app.bsky.feed.post", record }, account.AccessJwt)).ReadOkJsonAsync();
            return (blob.GetProperty("ref").GetProperty("$link").GetString()!, written.GetProperty("commit").GetProperty("rev").GetString()!);
        }

        var (first, firstRev) = await PostWithImageAsync();
        var (second, _) = await PostWithImageAsync();

        var all = await (await _client.GetAsync($"com.atproto.sync.listBlobs?did={account.Did}", null)).ReadOkJsonAsync();
        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), all.GetProperty("cids").EnumerateArray().Select(c => c.GetString()));
        var since = await (await _client.GetAsync($"com.atproto.sync.listBlobs?did={account.Did}&since={firstRev}", null)).ReadOkJsonAsync();
        Assert.Equal([second], since.GetProperty("cids").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public async Task ReplacingTheRecord_DeletesTheUnreferencedBlob()
    {
        var account = await _client.CreateAccountAsync();
        var blob = await UploadAsync(account, Png(3000));
        var cid = blob.GetProperty("ref").GetProperty("$link").GetString();
        await (await SetAvatarAsync(account, blob)).ReadOkJsonAsync();

        await (await _client.PostAsync("com.atproto.repo.deleteRecord", new { repo = account.Did, collection = "app.bsky.actor.profile", rkey = "self" }, account.AccessJwt)).ReadOkJsonAsync();

        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.GetAsync($"/xrpc/com.atproto.sync.getBlob?did={account.Did}&cid={cid}"), HttpStatusCode.BadRequest, "BlobNotFound");
        var files = Directory.Exists(Path.Combine(factory.DataDirectory, "blocks"))
            ? Directory.GetFiles(Path.Combine(factory.DataDirectory, "blocks"), cid!, SearchOption.AllDirectories)
            : [];
        Assert.Empty(files);
    }

    [Fact]
    public async Task RecordReferencingUnknownOrMismatchedBlob_400AndNothingStored()
    {
        var account = await _client.CreateAccountAsync();
        var unknown = JsonSerializer.SerializeToElement(new Dictionary<string, object>
        {
            ["$type"] = "blob",
            ["ref"] = new Dictionary<string, string> { ["$link"] = Cid.ForRaw([1, 2, 3]).ToString() },
            ["mimeType"] = "image/png",
            ["size"] = 3,
        });
        await XrpcPipelineTests.AssertXrpcErrorAsync(await SetAvatarAsync(account, unknown), HttpStatusCode.BadRequest, "BlobNotFound");

        var blob = await UploadAsync(account, Png(2000));
        var lying = JsonSerializer.SerializeToElement(new Dictionary<string, object>
        {
            ["$type"] = "blob",
            ["ref"] = new Dictionary<string, string> { ["$link"] = blob.GetProperty("ref").GetProperty("$link").GetString()! },
            ["mimeType"] = "image/jpeg",
            ["size"] = 2000,
        });
        await XrpcPipelineTests.AssertXrpcErrorAsync(await SetAvatarAsync(account, lying), HttpStatusCode.BadRequest, "InvalidRequest");
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.GetAsync($"com.atproto.repo.getRecord?repo={account.Did}&collection=app.bsky.actor.profile&rkey=self", null), HttpStatusCode.BadRequest, "RecordNotFound");
    }

    [Fact]
    public async Task Upload_OverLimit_413AndNoTemporaryFileLeft()
    {
        var account = await _client.CreateAccountAsync();
        var tmp = Path.Combine(factory.DataDirectory, "tmp");
        var before = Directory.Exists(tmp) ? Directory.GetFiles(tmp).ToHashSet() : [];
        var request = new HttpRequestMessage(HttpMethod.Post, "/xrpc/com.atproto.repo.uploadBlob") { Content = new StreamContent(new MemoryStream(Png(BlobLimitFactory.Limit + 1))) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", account.AccessJwt);
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.SendAsync(request), HttpStatusCode.RequestEntityTooLarge, "PayloadTooLarge");

        var after = Directory.Exists(tmp) ? Directory.GetFiles(tmp).ToHashSet() : [];
        Assert.Empty(after.Except(before));
    }

    [Fact]
    public async Task StaleUpload_NoRecordTookItUp_ExpiresAfterADay()
    {
        var account = await _client.CreateAccountAsync();
        var blob = await UploadAsync(account, Png(1000));
        var cid = blob.GetProperty("ref").GetProperty("$link").GetString();
        var janitor = factory.Services.GetRequiredService<Pds.Infrastructure.Blobs.TempBlobJanitor>();

        // A fresh upload survives a sweep.
        await janitor.RunOnceAsync();
        Assert.NotNull(await factory.WithScopeAsync(sp => sp.GetRequiredService<Pds.Application.Common.Abstractions.IActorStore>().ReadAsync(account.Did, (r, ct) => r.GetBlobAsync(cid!, ct))));

        // Two days later it is gone, row and file, and a record can no longer reference it.
        await factory.WithScopeAsync(sp => sp.GetRequiredService<Pds.Infrastructure.Persistence.PdsDbContext>().Blobs
            .Where(b => b.Cid == cid)
            .ExecuteUpdateAsync(u => u.SetProperty(b => b.CreatedAt, DateTime.UtcNow.AddDays(-2))));
        foreach (var file in Directory.GetFiles(Path.Combine(factory.DataDirectory, "tmp")))
        {
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddDays(-2));
        }

        Assert.True(await janitor.RunOnceAsync() >= 1);
        Assert.Empty(Directory.GetFiles(Path.Combine(factory.DataDirectory, "tmp")));
        await XrpcPipelineTests.AssertXrpcErrorAsync(await SetAvatarAsync(account, blob), HttpStatusCode.BadRequest, "BlobNotFound");
    }

    [Fact]
    public async Task Upload_Unauthenticated_401()
    {
        var response = await _client.PostAsync("/xrpc/com.atproto.repo.uploadBlob", new ByteArrayContent(Png(100)));
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.Unauthorized, "AuthenticationRequired");
    }
}

/// <summary>A server with a small blob upload limit.</summary>
public sealed class BlobLimitFactory : PdsApiFactory
{
    public const int Limit = 64 * 1024;

    protected override IReadOnlyDictionary<string, string> ExtraSettings { get; } = new Dictionary<string, string>
    {
        ["PDS_BLOB_UPLOAD_LIMIT"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
