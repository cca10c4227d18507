using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Pds.Api.Tests.Xrpc.Repo;

/// <summary>
/// Bad input of every kind sent to the repository write methods: each gets the lexicon's error and
/// status, and the repository's head, records and events are exactly as before.
/// </summary>
public sealed class RepoBadInputTests(PdsApiFactory factory) : IClassFixture<PdsApiFactory>
{
    private const string Post = "{\"$type\":\"app.bsky.feed.post\",\"text\":\"hi\",\"createdAt\":\"2026-11-24T00:00:00.000Z\"}";

    private readonly HttpClient _client = factory.CreateClient();

    public static TheoryData<string, string, string, int, string> Cases() => new()
    {
        // method, JSON body ({did} is the caller's DID, {other} someone else's), content type, status, error
        { "createRecord", "{\"repo\":\"{did}\",\"collection\":\"app.bsky.feed.post\",\"record\":{\"$type\":\"app.bsky.feed.post\",", "application/json", 400, "InvalidRequest" },
        { "createRecord", "{\"repo\":\"{did}\",\"collection\":\"app.bsky.feed.post\",\"record\":" + Post + "}", "text/plain", 400, "InvalidRequest" },
        { "createRecord", "{\"repo\":\"{did}\",\"collection\":\"app.bsky.feed.post\",\"record\":[1,2]}", "application/json", 400, "InvalidRequest" },
        { "createRecord", "{\"repo\":\"{did}\",\"collection\":\"app.bsky.feed.post\"}", "application/json", 400, "InvalidRequest" },
        { "createRecord", "{\"collection\":\"app.bsky.feed.post\",\"record\":" + Post + "}", "application/json", 400, "InvalidRequest" },
        { "createRecord", "{\"repo\":\"{did}\",\"collection\":\"not an nsid\",\"record\":{\"$type\":\"not an nsid\"}}", "application/json", 400, "InvalidRequest" },
        { "createRecord", "{\"repo\":\"{did}\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"..\",\"record\":" + Post + "}", "application/json", 400, "InvalidRequest" },
        { "createRecord", "{\"repo\":\"{did}\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"a/b\",\"record\":" + Post + "}", "application/json", 400, "InvalidRequest" },
        { "createRecord", "{\"repo\":\"{did}\",\"collection\":\"com.example.thing\",\"record\":{\"$type\":\"com.example.other\"}}", "application/json", 400, "InvalidRequest" },
        { "createRecord", "{\"repo\":\"{did}\",\"collection\":\"com.example.thing\",\"record\":{\"x\":1}}", "application/json", 400, "InvalidRequest" },
        { "createRecord", "{\"repo\":\"{did}\",\"collection\":\"com.example.thing\",\"record\":{\"$type\":\"com.example.thing\",\"b\":{\"$bytes\":\"!!!\"}}}", "application/json", 400, "InvalidRequest" },
        { "createRecord", "{\"repo\":\"{did}\",\"collection\":\"com.example.thing\",\"record\":{\"$type\":\"com.example.thing\",\"l\":{\"$link\":\"bafy-not-a-cid\"}}}", "application/json", 400, "InvalidRequest" },
        { "createRecord", "{\"repo\":\"{did}\",\"collection\":\"com.example.thing\",\"record\":{\"$type\":\"com.example.thing\",\"f\":1.5}}", "application/json", 400, "InvalidRequest" },
        { "createRecord", "{\"repo\":\"{did}\",\"collection\":\"com.example.thing\",\"record\":{\"$type\":\"com.example.thing\",\"blob\":{\"$type\":\"blob\",\"ref\":{\"$link\":\"bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy\"},\"mimeType\":\"image/png\",\"size\":10}}}", "application/json", 400, "BlobNotFound" },
        { "createRecord", "{\"repo\":\"{did}\",\"collection\":\"com.example.thing\",\"record\":" + Deep(200) + "}", "application/json", 400, "InvalidRequest" },
        { "createRecord", "{\"repo\":\"{did}\",\"collection\":\"com.example.thing\",\"record\":{\"$type\":\"com.example.thing\",\"t\":\"" + new string('x', 400_000) + "\"}}", "application/json", 413, "PayloadTooLarge" },
        { "createRecord", "{\"repo\":\"{other}\",\"collection\":\"app.bsky.feed.post\",\"record\":" + Post + "}", "application/json", 401, "AuthenticationRequired" },
        { "createRecord", "{\"repo\":\"did:plc:aaaaaaaaaaaaaaaaaaaaaaaa\",\"collection\":\"app.bsky.feed.post\",\"record\":" + Post + "}", "application/json", 400, "InvalidRequest" },
        { "putRecord", "{\"repo\":\"{did}\",\"collection\":\"app.bsky.feed.post\",\"record\":" + Post + "}", "application/json", 400, "InvalidRequest" },
        { "putRecord", "{\"repo\":\"{did}\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"3jzfcijpj2z2a\",\"swapRecord\":\"not-a-cid\",\"record\":" + Post + "}", "application/json", 400, "InvalidRequest" },
        { "putRecord", "{\"repo\":\"{did}\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"3jzfcijpj2z2a\",\"swapRecord\":\"bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm\",\"record\":" + Post + "}", "application/json", 400, "InvalidSwap" },
        { "putRecord", "{\"repo\":\"{other}\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"3jzfcijpj2z2a\",\"record\":" + Post + "}", "application/json", 401, "AuthenticationRequired" },
        { "deleteRecord", "{\"repo\":\"{did}\",\"collection\":\"app.bsky.feed.post\"}", "application/json", 400, "InvalidRequest" },
        { "deleteRecord", "{\"repo\":\"{did}\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"3jzfcijpj2z2a\",\"swapCommit\":\"bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm\"}", "application/json", 400, "InvalidSwap" },
        { "deleteRecord", "{\"repo\":\"{other}\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"3jzfcijpj2z2a\"}", "application/json", 401, "AuthenticationRequired" },
        { "applyWrites", "{\"repo\":\"{did}\",\"writes\":{}}", "application/json", 400, "InvalidRequest" },
        { "applyWrites", "{\"repo\":\"{did}\",\"writes\":[{\"$type\":\"com.atproto.repo.applyWrites#explode\",\"collection\":\"app.bsky.feed.post\"}]}", "application/json", 400, "InvalidRequest" },
        { "applyWrites", "{\"repo\":\"{did}\",\"writes\":[{\"$type\":\"com.atproto.repo.applyWrites#update\",\"collection\":\"app.bsky.feed.post\",\"value\":" + Post + "}]}", "application/json", 400, "InvalidRequest" },
        { "applyWrites", "{\"repo\":\"{did}\",\"writes\":[{\"$type\":\"com.atproto.repo.applyWrites#create\",\"collection\":\"app.bsky.feed.post\",\"value\":" + Post + "},{\"$type\":\"com.atproto.repo.applyWrites#create\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"3jzfcijpj2z2a\",\"value\":" + Post + "}]}", "application/json", 400, "InvalidRequest" },
        { "applyWrites", "{\"repo\":\"{did}\",\"writes\":[{\"$type\":\"com.atproto.repo.applyWrites#delete\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"3jzfcijpj2z2a\"},{\"$type\":\"com.atproto.repo.applyWrites#delete\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"3jzfcijpj2z2a\"}]}", "application/json", 400, "InvalidRequest" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadInput_LexiconErrorAndNothingChanged(string method, string body, string contentType, int status, string error)
    {
        var account = await _client.CreateAccountAsync();
        var other = await _client.CreateAccountAsync();
        await (await _client.PostAsync("com.atproto.repo.putRecord", new { repo = account.Did, collection = "app.bsky.feed.post", rkey = "3jzfcijpj2z2a", record = new Dictionary<string, object> { ["$type"] = "app.bsky.feed.post", ["text"] = "kept", ["createdAt"] = "2026-11-24T00:00:00.000Z" } }, account.AccessJwt)).ReadOkJsonAsync();
        var before = await SnapshotAsync(account.Did);
        var otherBefore = await SnapshotAsync(other.Did);

        var request = new HttpRequestMessage(HttpMethod.Post, "/xrpc/com.atproto.repo." + method)
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body.Replace("{did}", account.Did, StringComparison.Ordinal).Replace("{other}", other.Did, StringComparison.Ordinal))),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", account.AccessJwt);
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.SendAsync(request), (HttpStatusCode)status, error);

        Assert.Equal(before, await SnapshotAsync(account.Did));
        Assert.Equal(otherBefore, await SnapshotAsync(other.Did));
    }

    [Fact]
    public async Task BadOrMissingToken_401AndNothingChanged()
    {
        var account = await _client.CreateAccountAsync();
        var before = await SnapshotAsync(account.Did);
        var body = new { repo = account.Did, collection = "app.bsky.feed.post", record = new Dictionary<string, object> { ["$type"] = "app.bsky.feed.post", ["text"] = "x", ["createdAt"] = "2026-11-24T00:00:00.000Z" } };

        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.PostAsync("com.atproto.repo.createRecord", body, null), HttpStatusCode.Unauthorized, "AuthenticationRequired");
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.PostAsync("com.atproto.repo.createRecord", body, "not.a.jwt"), HttpStatusCode.BadRequest, "InvalidToken");
        var tampered = account.AccessJwt[..^4] + (account.AccessJwt.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.PostAsync("com.atproto.repo.createRecord", body, tampered), HttpStatusCode.BadRequest, "InvalidToken");
        // A refresh token is not an access token.
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.PostAsync("com.atproto.repo.createRecord", body, account.RefreshJwt), HttpStatusCode.BadRequest, "InvalidToken");

        Assert.Equal(before, await SnapshotAsync(account.Did));
    }

    private static string Deep(int depth)
    {
        var builder = new StringBuilder("{\"$type\":\"com.example.thing\",\"a\":");
        for (var i = 0; i < depth; i++)
        {
            builder.Append("{\"a\":");
        }

        builder.Append('1');
        builder.Append('}', depth + 1);
        return builder.ToString();
    }

    /// <summary>The repository as a reader sees it: head commit, every record with its CID.</summary>
    private async Task<string> SnapshotAsync(string did)
    {
        var head = await (await _client.GetAsync($"com.atproto.sync.getLatestCommit?did={did}", null)).ReadOkJsonAsync();
        var describe = await (await _client.GetAsync($"com.atproto.repo.describeRepo?repo={did}", null)).ReadOkJsonAsync();
        var snapshot = new StringBuilder(head.GetProperty("cid").GetString()).Append('|').Append(head.GetProperty("rev").GetString());
        foreach (var collection in describe.GetProperty("collections").EnumerateArray())
        {
            var records = await (await _client.GetAsync($"com.atproto.repo.listRecords?repo={did}&collection={collection.GetString()}&limit=100", null)).ReadOkJsonAsync();
            foreach (var record in records.GetProperty("records").EnumerateArray())
            {
                snapshot.Append('|').Append(record.GetProperty("uri").GetString()).Append('=').Append(record.GetProperty("cid").GetString());
            }
        }

        return snapshot.ToString();
    }
}
