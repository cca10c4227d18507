using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pds.Api.Tests.Xrpc;
using Pds.Application.Common.Abstractions;

namespace Pds.Api.Tests.Proxy;

/// <summary>
/// Read-after-write: AppView answers (from the loopback stand-in) are patched with the user's
/// records newer than the revision the AppView reports.
/// </summary>
public sealed class ReadAfterWriteTests : IClassFixture<ProxyFactory>
{
    private readonly ProxyFactory _factory;
    private readonly HttpClient _client;

    public ReadAfterWriteTests(ProxyFactory factory)
    {
        _factory = factory;
        _client = factory.CreateClient();
        factory.StandIn.KeyOf = did => factory.WithScopeAsync(async sp =>
            (await sp.GetRequiredService<IDidResolver>().ResolveAsync(did))?.Document.GetSigningKey());
    }

    private async Task<string> RevAsync(TestAccount account) =>
        (await (await _client.GetAsync($"com.atproto.sync.getLatestCommit?did={account.Did}", null)).ReadOkJsonAsync()).GetProperty("rev").GetString()!;

    private async Task<HttpResponseMessage> GetAsync(string pathAndQuery, TestAccount account)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/xrpc/" + pathAndQuery);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", account.AccessJwt);
        return await _client.SendAsync(request);
    }

    private Task<HttpResponseMessage> ProfileAsync(TestAccount account, string name) => _client.PostAsync(
        "com.atproto.repo.putRecord",
        new { repo = account.Did, collection = "app.bsky.actor.profile", rkey = "self", record = new Dictionary<string, object> { ["$type"] = "app.bsky.actor.profile", ["displayName"] = name } },
        account.AccessJwt);

    [Fact]
    public async Task NewProfileAndPost_ShowInProfileFeedAndThread_BeforeTheAppViewIndexesThem()
    {
        var account = await _client.CreateAccountAsync();
        await (await ProfileAsync(account, "Old name")).ReadOkJsonAsync();
        var indexed = await RevAsync(account);

        await (await ProfileAsync(account, "New name")).ReadOkJsonAsync();
        var post = await (await _client.PostAsync("com.atproto.repo.createRecord", new
        {
            repo = account.Did,
            collection = "app.bsky.feed.post",
            record = new Dictionary<string, object> { ["$type"] = "app.bsky.feed.post", ["text"] = "fresh post", ["createdAt"] = "2026-12-02T00:00:00.000Z" },
        }, account.AccessJwt)).ReadOkJsonAsync();
        var postUri = post.GetProperty("uri").GetString()!;

        var appViewRev = indexed;
        _factory.StandIn.Respond = r => Task.FromResult(r.Lxm switch
        {
            "app.bsky.actor.getProfile" => (200, $$"""{"did":"{{account.Did}}","handle":"{{account.Handle}}","displayName":"Old name"}""", Rev(appViewRev)),
            "app.bsky.feed.getAuthorFeed" => (200, """{"feed":[]}""", Rev(appViewRev)),
            "app.bsky.feed.getPostThread" => (400, """{"error":"NotFound","message":"Post not found"}""", Rev(appViewRev)),
            _ => (200, "{}", Rev(appViewRev)),
        });

        var profile = await GetAsync($"app.bsky.actor.getProfile?actor={account.Did}", account);
        Assert.Equal("New name", (await profile.ReadOkJsonAsync()).GetProperty("displayName").GetString());
        Assert.True(long.Parse(profile.Headers.GetValues("Atproto-Upstream-Lag").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 0);

        var feed = (await (await GetAsync($"app.bsky.feed.getAuthorFeed?actor={account.Handle}", account)).ReadOkJsonAsync()).GetProperty("feed");
        var item = Assert.Single(feed.EnumerateArray()).GetProperty("post");
        Assert.Equal(postUri, item.GetProperty("uri").GetString());
        Assert.Equal("fresh post", item.GetProperty("record").GetProperty("text").GetString());
        Assert.Equal("New name", item.GetProperty("author").GetProperty("displayName").GetString());

        var thread = (await (await GetAsync($"app.bsky.feed.getPostThread?uri={Uri.EscapeDataString(postUri)}", account)).ReadOkJsonAsync()).GetProperty("thread");
        Assert.Equal(postUri, thread.GetProperty("post").GetProperty("uri").GetString());

        // Once the AppView has caught up, its answers pass through untouched.
        appViewRev = await RevAsync(account);
        var caughtUp = await GetAsync($"app.bsky.actor.getProfile?actor={account.Did}", account);
        Assert.Equal("Old name", (await caughtUp.ReadOkJsonAsync()).GetProperty("displayName").GetString());
        Assert.False(caughtUp.Headers.Contains("Atproto-Upstream-Lag"));
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await GetAsync($"app.bsky.feed.getPostThread?uri={Uri.EscapeDataString(postUri)}", account), HttpStatusCode.BadRequest, "NotFound");

        // Someone else's thread is never made up locally.
        var other = await _client.CreateAccountAsync();
        appViewRev = indexed;
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await GetAsync($"app.bsky.feed.getPostThread?uri={Uri.EscapeDataString(postUri)}", other), HttpStatusCode.BadRequest, "NotFound");
    }

    private static Dictionary<string, string>? Rev(string rev) => new() { ["atproto-repo-rev"] = rev };
}
