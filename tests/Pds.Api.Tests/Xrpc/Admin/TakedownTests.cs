using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pds.Api.Tests.Xrpc.Sync;
using Pds.Infrastructure.Firehose;

namespace Pds.Api.Tests.Xrpc.Admin;

/// <summary>com.atproto.admin.updateSubjectStatus and getSubjectStatus, and what a takedown does to accounts, records and blobs.</summary>
public sealed class TakedownTests(PdsApiFactory factory) : IClassFixture<PdsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static object RepoRef(string did) => new Dictionary<string, object> { ["$type"] = "com.atproto.admin.defs#repoRef", ["did"] = did };

    private Task<HttpResponseMessage> UpdateAsync(object subject, object? takedown = null, object? deactivated = null) =>
        _client.AdminPostAsync(factory, "com.atproto.admin.updateSubjectStatus", new Dictionary<string, object?>
        {
            ["subject"] = subject,
            ["takedown"] = takedown,
            ["deactivated"] = deactivated,
        }.Where(p => p.Value is not null).ToDictionary());

    /// <summary>Subscribes to the firehose from its current head, runs <paramref name="action"/> and returns the next #account frame for the DID.</summary>
    private async Task<Pds.Domain.Data.LexMap> NextAccountEventAsync(string did, Func<Task> action)
    {
        var hub = factory.Services.GetRequiredService<FirehoseHub>();
        var current = await factory.WithScopeAsync(sp => sp.GetRequiredService<Pds.Application.Common.Abstractions.ISequencer>().CurrentAsync());
        using var socket = await SubscribeReposTests.ConnectAsync(factory, current ?? 0);
        await action();
        while (await SubscribeReposTests.ReceiveAsync(socket, TimeSpan.FromSeconds(10)) is { } frame)
        {
            if (frame.Type == "#account" && frame.Payload.GetString("did") == did)
            {
                return frame.Payload;
            }
        }

        throw new TimeoutException("no #account event for " + did + " (firehose head " + hub.Head + ")");
    }

    [Fact]
    public async Task TakedownAccount_SessionRefusedSyncMarkedFirehoseAnnounced_ReversalRestores()
    {
        var account = await _client.CreateAccountAsync();
        var evt = await NextAccountEventAsync(account.Did, async () =>
        {
            var output = await (await UpdateAsync(RepoRef(account.Did), new { applied = true, @ref = "case-42" })).ReadOkJsonAsync();
            Assert.Equal(account.Did, output.GetProperty("subject").GetProperty("did").GetString());
            Assert.Equal("com.atproto.admin.defs#repoRef", output.GetProperty("subject").GetProperty("$type").GetString());
            Assert.True(output.GetProperty("takedown").GetProperty("applied").GetBoolean());
        });
        Assert.False(Active(evt));
        Assert.Equal("takendown", evt.GetString("status"));

        var status = await (await _client.AdminGetAsync(factory, $"com.atproto.admin.getSubjectStatus?did={account.Did}")).ReadOkJsonAsync();
        Assert.Equal("com.atproto.admin.defs#repoRef", status.GetProperty("subject").GetProperty("$type").GetString());
        Assert.True(status.GetProperty("takedown").GetProperty("applied").GetBoolean());
        Assert.Equal("case-42", status.GetProperty("takedown").GetProperty("ref").GetString());
        Assert.False(status.GetProperty("deactivated").GetProperty("applied").GetBoolean());

        // Sessions: no new one, the refresh token is revoked, writes with the old access token are refused.
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.PostAsync("com.atproto.server.createSession", new { identifier = account.Handle, password = account.Password }, null), HttpStatusCode.Unauthorized, "AccountTakedown");
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.PostAsync("com.atproto.server.refreshSession", null, account.RefreshJwt), HttpStatusCode.Unauthorized, "AccountTakedown");
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.PostAsync("com.atproto.repo.createRecord", new { repo = account.Did, collection = "app.bsky.feed.post", record = Post("hi") }, account.AccessJwt), HttpStatusCode.Unauthorized, "AccountTakedown");

        // Repo reads: the repository is not found.
        foreach (var path in new[] { $"com.atproto.repo.describeRepo?repo={account.Did}", $"com.atproto.repo.listRecords?repo={account.Handle}&collection=app.bsky.feed.post", $"com.atproto.repo.getRecord?repo={account.Did}&collection=app.bsky.actor.profile&rkey=self" })
        {
            await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.GetAsync(path, null), HttpStatusCode.BadRequest, "InvalidRequest");
        }

        // Sync: not served, reported as taken down.
        foreach (var path in new[] { $"com.atproto.sync.getRepo?did={account.Did}", $"com.atproto.sync.getLatestCommit?did={account.Did}", $"com.atproto.sync.getRecord?did={account.Did}&collection=app.bsky.actor.profile&rkey=self" })
        {
            await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.GetAsync(path, null), HttpStatusCode.BadRequest, "RepoTakendown");
        }

        var repoStatus = await (await _client.GetAsync($"com.atproto.sync.getRepoStatus?did={account.Did}", null)).ReadOkJsonAsync();
        Assert.False(repoStatus.GetProperty("active").GetBoolean());
        Assert.Equal("takendown", repoStatus.GetProperty("status").GetString());
        var listed = await ListedRepoAsync(account.Did);
        Assert.False(listed.GetProperty("active").GetBoolean());
        Assert.Equal("takendown", listed.GetProperty("status").GetString());

        // Reversal: active again, announced, sessions possible again.
        var restored = await NextAccountEventAsync(account.Did, async () => await (await UpdateAsync(RepoRef(account.Did), new { applied = false })).ReadOkJsonAsync());
        Assert.True(Active(restored));
        Assert.Null(restored.GetString("status"));
        await (await _client.PostAsync("com.atproto.server.createSession", new { identifier = account.Handle, password = account.Password }, null)).ReadOkJsonAsync();
        // The takedown revoked the refresh token for good.
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.PostAsync("com.atproto.server.refreshSession", null, account.RefreshJwt)).StatusCode);
        await (await _client.GetAsync($"com.atproto.sync.getLatestCommit?did={account.Did}", null)).ReadOkJsonAsync();
        await (await _client.GetAsync($"com.atproto.repo.describeRepo?repo={account.Did}", null)).ReadOkJsonAsync();
        Assert.True((await ListedRepoAsync(account.Did)).GetProperty("active").GetBoolean());
        status = await (await _client.AdminGetAsync(factory, $"com.atproto.admin.getSubjectStatus?did={account.Did}")).ReadOkJsonAsync();
        Assert.False(status.GetProperty("takedown").GetProperty("applied").GetBoolean());
        Assert.False(status.GetProperty("takedown").TryGetProperty("ref", out _));
    }

    [Fact]
    public async Task TakedownAccount_WithoutRef_RefDefaultsToTime()
    {
        var account = await _client.CreateAccountAsync();
        await (await UpdateAsync(RepoRef(account.Did), new { applied = true })).ReadOkJsonAsync();
        var status = await (await _client.AdminGetAsync(factory, $"com.atproto.admin.getSubjectStatus?did={account.Did}")).ReadOkJsonAsync();
        Assert.True(Pds.Domain.Syntax.Datetime.TryParse(status.GetProperty("takedown").GetProperty("ref").GetString(), out _));
    }

    [Fact]
    public async Task DeactivateAccount_ByAdmin_MarkedAndAnnouncedThenReactivated()
    {
        var account = await _client.CreateAccountAsync();
        var evt = await NextAccountEventAsync(account.Did, async () => await (await UpdateAsync(RepoRef(account.Did), deactivated: new { applied = true })).ReadOkJsonAsync());
        Assert.False(Active(evt));
        Assert.Equal("deactivated", evt.GetString("status"));
        var status = await (await _client.AdminGetAsync(factory, $"com.atproto.admin.getSubjectStatus?did={account.Did}")).ReadOkJsonAsync();
        Assert.True(status.GetProperty("deactivated").GetProperty("applied").GetBoolean());
        var info = await (await _client.AdminGetAsync(factory, $"com.atproto.admin.getAccountInfo?did={account.Did}")).ReadOkJsonAsync();
        Assert.True(info.TryGetProperty("deactivatedAt", out _));
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.GetAsync($"com.atproto.sync.getRepo?did={account.Did}", null), HttpStatusCode.BadRequest, "RepoDeactivated");

        var back = await NextAccountEventAsync(account.Did, async () => await (await UpdateAsync(RepoRef(account.Did), deactivated: new { applied = false })).ReadOkJsonAsync());
        Assert.True(Active(back));
    }

    [Fact]
    public async Task TakedownRecord_HiddenFromGetRecordAndListRecords_ReversalShowsIt()
    {
        var account = await _client.CreateAccountAsync();
        var first = await (await _client.PostAsync("com.atproto.repo.createRecord", new { repo = account.Did, collection = "app.bsky.feed.post", record = Post("one") }, account.AccessJwt)).ReadOkJsonAsync();
        await (await _client.PostAsync("com.atproto.repo.createRecord", new { repo = account.Did, collection = "app.bsky.feed.post", record = Post("two") }, account.AccessJwt)).ReadOkJsonAsync();
        var uri = first.GetProperty("uri").GetString()!;
        var cid = first.GetProperty("cid").GetString()!;
        var rkey = uri.Split('/')[^1];
        var strongRef = new Dictionary<string, object> { ["$type"] = "com.atproto.repo.strongRef", ["uri"] = uri, ["cid"] = cid };

        await (await UpdateAsync(strongRef, new { applied = true, @ref = "post-takedown" })).ReadOkJsonAsync();
        var status = await (await _client.AdminGetAsync(factory, $"com.atproto.admin.getSubjectStatus?uri={Uri.EscapeDataString(uri)}")).ReadOkJsonAsync();
        Assert.Equal("com.atproto.repo.strongRef", status.GetProperty("subject").GetProperty("$type").GetString());
        Assert.Equal(cid, status.GetProperty("subject").GetProperty("cid").GetString());
        Assert.Equal("post-takedown", status.GetProperty("takedown").GetProperty("ref").GetString());

        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.GetAsync($"com.atproto.repo.getRecord?repo={account.Did}&collection=app.bsky.feed.post&rkey={rkey}", null), HttpStatusCode.BadRequest, "RecordNotFound");
        var list = await (await _client.GetAsync($"com.atproto.repo.listRecords?repo={account.Did}&collection=app.bsky.feed.post", null)).ReadOkJsonAsync();
        Assert.DoesNotContain(uri, list.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("uri").GetString()));
        Assert.Equal(1, list.GetProperty("records").GetArrayLength());

        await (await UpdateAsync(strongRef, new { applied = false })).ReadOkJsonAsync();
        await (await _client.GetAsync($"com.atproto.repo.getRecord?repo={account.Did}&collection=app.bsky.feed.post&rkey={rkey}", null)).ReadOkJsonAsync();
        list = await (await _client.GetAsync($"com.atproto.repo.listRecords?repo={account.Did}&collection=app.bsky.feed.post", null)).ReadOkJsonAsync();
        Assert.Equal(2, list.GetProperty("records").GetArrayLength());
    }

    [Fact]
    public async Task TakedownBlob_NotServedBySyncGetBlob_ReversalServesIt()
    {
        var account = await _client.CreateAccountAsync();
        var bytes = new byte[3000];
        RandomNumberGenerator.Fill(bytes);
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(bytes, 0);
        var upload = new HttpRequestMessage(HttpMethod.Post, "/xrpc/com.atproto.repo.uploadBlob") { Content = new ByteArrayContent(bytes) };
        upload.Content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        upload.Headers.Authorization = new AuthenticationHeaderValue("Bearer", account.AccessJwt);
        var blob = (await (await _client.SendAsync(upload)).ReadOkJsonAsync()).GetProperty("blob");
        var cid = blob.GetProperty("ref").GetProperty("$link").GetString()!;
        await (await _client.PostAsync(
            "com.atproto.repo.putRecord",
            new { repo = account.Did, collection = "app.bsky.actor.profile", rkey = "self", record = new Dictionary<string, object> { ["$type"] = "app.bsky.actor.profile", ["avatar"] = blob } },
            account.AccessJwt)).ReadOkJsonAsync();
        var getBlob = $"/xrpc/com.atproto.sync.getBlob?did={account.Did}&cid={cid}";
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync(getBlob)).StatusCode);

        var blobRef = new Dictionary<string, object> { ["$type"] = "com.atproto.admin.defs#repoBlobRef", ["did"] = account.Did, ["cid"] = cid };
        var output = await (await UpdateAsync(blobRef, new { applied = true })).ReadOkJsonAsync();
        Assert.Equal(cid, output.GetProperty("subject").GetProperty("cid").GetString());
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.GetAsync(getBlob), HttpStatusCode.BadRequest, "BlobNotFound");
        var status = await (await _client.AdminGetAsync(factory, $"com.atproto.admin.getSubjectStatus?did={account.Did}&blob={cid}")).ReadOkJsonAsync();
        Assert.Equal("com.atproto.admin.defs#repoBlobRef", status.GetProperty("subject").GetProperty("$type").GetString());
        Assert.True(status.GetProperty("takedown").GetProperty("applied").GetBoolean());

        await (await UpdateAsync(blobRef, new { applied = false })).ReadOkJsonAsync();
        var served = await _client.GetAsync(getBlob);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(bytes, await served.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task SubjectStatus_BadOrUnknownSubjects_400()
    {
        var account = await _client.CreateAccountAsync();
        await XrpcPipelineTests.AssertXrpcErrorAsync(await UpdateAsync(new { did = account.Did }, new { applied = true }), HttpStatusCode.BadRequest, "InvalidRequest");
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await UpdateAsync(new Dictionary<string, object> { ["$type"] = "com.atproto.admin.defs#somethingElse", ["did"] = account.Did }, new { applied = true }), HttpStatusCode.BadRequest, "InvalidRequest");
        await XrpcPipelineTests.AssertXrpcErrorAsync(await UpdateAsync(RepoRef("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"), new { applied = true }), HttpStatusCode.BadRequest, "NotFound");
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.AdminGetAsync(factory, "com.atproto.admin.getSubjectStatus"), HttpStatusCode.BadRequest, "InvalidRequest");
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.AdminGetAsync(factory, "com.atproto.admin.getSubjectStatus?blob=bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"), HttpStatusCode.BadRequest, "InvalidRequest");
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.AdminGetAsync(factory, "com.atproto.admin.getSubjectStatus?did=did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"), HttpStatusCode.BadRequest, "NotFound");
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.AdminGetAsync(factory, $"com.atproto.admin.getSubjectStatus?uri={Uri.EscapeDataString($"at://{account.Did}/app.bsky.feed.post/3aaaaaaaaaaaa")}"), HttpStatusCode.BadRequest, "NotFound");
    }

    private async Task<JsonElement> ListedRepoAsync(string did)
    {
        string? cursor = null;
        do
        {
            var page = await (await _client.GetAsync("com.atproto.sync.listRepos?limit=1000" + (cursor is null ? "" : "&cursor=" + cursor), null)).ReadOkJsonAsync();
            foreach (var repo in page.GetProperty("repos").EnumerateArray())
            {
                if (repo.GetProperty("did").GetString() == did)
                {
                    return repo;
                }
            }

            cursor = page.TryGetProperty("cursor", out var c) ? c.GetString() : null;
        }
        while (cursor is not null);
        throw new InvalidOperationException("repo not listed: " + did);
    }

    private static bool Active(Pds.Domain.Data.LexMap payload) => ((Pds.Domain.Data.LexBoolean)payload["active"]!).Value;

    private static Dictionary<string, object> Post(string text) =>
        new() { ["$type"] = "app.bsky.feed.post", ["text"] = text, ["createdAt"] = "2026-12-01T00:00:00Z" };
}
