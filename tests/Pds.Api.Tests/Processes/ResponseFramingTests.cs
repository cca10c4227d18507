using System.Net;
using Pds.Api.Tests.Xrpc;
using Pds.TestKit;

namespace Pds.Api.Tests.Processes;

/// <summary>
/// XRPC JSON answers, successes and errors, go out with their length and without chunked framing
/// (a real server process, since the in-memory test server frames nothing): a client has the
/// whole answer once the body is written, not only after the request's pipeline has unwound.
/// </summary>
public sealed class ResponseFramingTests : IAsyncLifetime
{
    private readonly TestDatabase _database = new();

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task XrpcJsonAnswers_QueryProcedureAndError_CarryTheirLengthUnchunked()
    {
        await using var server = await PdsProcess.StartAsync(_database.Settings);
        var account = await server.Client.CreateAccountAsync();

        var created = await server.Client.PostAsync(
            "com.atproto.repo.createRecord",
            new { repo = account.Did, collection = "app.bsky.feed.post", rkey = "3kframing22ab", record = new Dictionary<string, object> { ["$type"] = "app.bsky.feed.post", ["text"] = "hello", ["createdAt"] = "2026-12-08T00:00:00Z" } },
            account.AccessJwt);
        // An answer larger than the first piece of memory the body is written into.
        var writes = Enumerable.Range(0, 60).Select(i => new Dictionary<string, object>
        {
            ["$type"] = "com.atproto.repo.applyWrites#create",
            ["collection"] = "app.bsky.feed.post",
            ["value"] = new Dictionary<string, object> { ["$type"] = "app.bsky.feed.post", ["text"] = "post " + i, ["createdAt"] = "2026-12-08T00:00:00Z" },
        }).ToArray();
        var applied = await server.Client.PostAsync("com.atproto.repo.applyWrites", new { repo = account.Did, writes }, account.AccessJwt);
        var read = await server.Client.GetAsync($"com.atproto.repo.getRecord?repo={account.Did}&collection=app.bsky.feed.post&rkey=3kframing22ab", null);
        var listed = await server.Client.GetAsync($"com.atproto.repo.listRecords?repo={account.Did}&collection=app.bsky.feed.post", null);
        var missing = await server.Client.GetAsync($"com.atproto.repo.getRecord?repo={account.Did}&collection=app.bsky.feed.post&rkey=3knosuchrec2a", null);

        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, applied.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        foreach (var response in new[] { created, applied, read, listed, missing })
        {
            var body = await response.Content.ReadAsByteArrayAsync();
            Assert.NotEqual(true, response.Headers.TransferEncodingChunked);
            Assert.Equal(body.Length, response.Content.Headers.ContentLength);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        }

        var results = (await applied.ReadOkJsonAsync()).GetProperty("results");
        Assert.Equal(60, results.GetArrayLength());
        Assert.True(applied.Content.Headers.ContentLength > 8192, $"applyWrites answered {applied.Content.Headers.ContentLength} bytes");
        Assert.All(results.EnumerateArray(), r => Assert.StartsWith($"at://{account.Did}/app.bsky.feed.post/", r.GetProperty("uri").GetString(), StringComparison.Ordinal));
        Assert.Equal(50, (await listed.ReadOkJsonAsync()).GetProperty("records").GetArrayLength());
        Assert.Equal("hello", (await read.ReadOkJsonAsync()).GetProperty("value").GetProperty("text").GetString());
        Assert.Equal("RecordNotFound", System.Text.Json.JsonDocument.Parse(await missing.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
    }
}
