using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pds.Application.Common.Abstractions;
using Pds.Domain.Data;
using Pds.Domain.Events;
using Pds.Domain.Identity;
using Pds.Domain.Repo;
using Pds.Domain.Repo.Car;
using Pds.Domain.Repo.Mst;
using Pds.Infrastructure.Persistence;

namespace Pds.Api.Tests.Xrpc.Repo;

/// <summary>com.atproto.repo.* writes and reads through the real server.</summary>
public sealed class RepoWriteTests(PdsApiFactory factory) : IClassFixture<PdsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static object Post(string text) => new Dictionary<string, object>
    {
        ["$type"] = "app.bsky.feed.post",
        ["text"] = text,
        ["createdAt"] = "2026-11-24T00:00:00.000Z",
    };

    private async Task<JsonElement> CreatePostAsync(TestAccount account, string text, string? rkey = null) =>
        await (await _client.PostAsync("com.atproto.repo.createRecord", new { repo = account.Did, collection = "app.bsky.feed.post", rkey, record = Post(text) }, account.AccessJwt)).ReadOkJsonAsync();

    [Fact]
    public async Task CreateRecord_ThenGetRecord_ReturnsSameValueAndCid()
    {
        var account = await _client.CreateAccountAsync();
        var created = await CreatePostAsync(account, "hello world");
        var uri = created.GetProperty("uri").GetString()!;
        Assert.StartsWith($"at://{account.Did}/app.bsky.feed.post/", uri, StringComparison.Ordinal);
        Assert.Equal("valid", created.GetProperty("validationStatus").GetString());

        var rkey = uri[(uri.LastIndexOf('/') + 1)..];
        var got = await (await _client.GetAsync($"com.atproto.repo.getRecord?repo={account.Handle}&collection=app.bsky.feed.post&rkey={rkey}", null)).ReadOkJsonAsync();
        Assert.Equal(created.GetProperty("cid").GetString(), got.GetProperty("cid").GetString());
        Assert.Equal("hello world", got.GetProperty("value").GetProperty("text").GetString());
    }

    [Fact]
    public async Task CreateRecord_CommitSignedAndHeadMoved_EventCarriesOpWithProof()
    {
        var account = await _client.CreateAccountAsync();
        var created = await CreatePostAsync(account, "first", "3jzfcijpj2z2a");
        var commitCid = created.GetProperty("commit").GetProperty("cid").GetString();

        var (root, events) = await factory.WithScopeAsync(async sp =>
        {
            var root = await sp.GetRequiredService<IActorStore>().ReadAsync(account.Did, (r, ct) => r.GetRootAsync(ct));
            var events = await sp.GetRequiredService<ISequencer>().ReadAfterAsync(0, 100_000);
            return (root, events.Where(e => e.Did == account.Did && e.EventType == "commit").ToList());
        });
        Assert.Equal(commitCid, root!.Cid);
        Assert.Equal(created.GetProperty("commit").GetProperty("rev").GetString(), root.Rev);

        var evt = (CommitEvent)RepoEvent.FromPayload(CommitEvent.TypeName, (LexMap)DagCbor.Decode(events[^1].Event));
        Assert.Equal(commitCid, evt.Commit.ToString());
        var op = Assert.Single(evt.Ops);
        Assert.Equal("app.bsky.feed.post/3jzfcijpj2z2a", op.Path);
        Assert.Equal(created.GetProperty("cid").GetString(), op.Cid?.ToString());
        Assert.NotNull(evt.PrevData);

        // The event's blocks prove the write: inverting the op over them yields the previous data root.
        var (roots, blocks) = await CarReader.ReadAllAsync(evt.Blocks);
        Assert.Equal([evt.Commit], roots);
        Assert.True(blocks.TryGet(evt.Commit, out var commitBytes));
        var commit = Commit.Decode(commitBytes);
        Assert.True(await MstInversion.VerifyAsync(MstTree.Load(blocks, commit.Data), evt.Ops, evt.PrevData!));
    }

    [Fact]
    public async Task CreateRecord_BlockCacheKeepsTheLiveTreeAndDropsWhatTheCommitReplaced()
    {
        var cache = factory.Services.GetRequiredService<Pds.Application.Repo.RepoBlockCache>();
        var account = await _client.CreateAccountAsync();

        // Two keys of the tree's lowest layer: both then sit in the root node, which the second
        // write replaces. (A key of a higher layer would keep the first root as a subtree.)
        var rkeys = Enumerable.Range(0, 100)
            .Select(i => Pds.Domain.Syntax.Tid.FromValue((1_790_000_000_000_000UL + (ulong)i) << 10).ToString())
            .Where(rkey => MstKey.Height("app.bsky.feed.post/" + rkey) == 0)
            .Take(2)
            .ToList();
        var first = Cid.Parse((await CreatePostAsync(account, "first", rkeys[0])).GetProperty("commit").GetProperty("cid").GetString()!);
        Assert.True(cache.TryGet(account.Did, first, out var firstBytes));
        var firstData = Commit.Decode(firstBytes).Data;
        Assert.True(cache.TryGet(account.Did, firstData, out _));

        var second = Cid.Parse((await CreatePostAsync(account, "second", rkeys[1])).GetProperty("commit").GetProperty("cid").GetString()!);

        // The next write reads the new head and tree from memory; the replaced head commit and the
        // replaced root node are gone from the cache (no write reads them again).
        Assert.True(cache.TryGet(account.Did, second, out var secondBytes));
        var secondData = Commit.Decode(secondBytes).Data;
        Assert.NotEqual(firstData, secondData);
        Assert.True(cache.TryGet(account.Did, secondData, out _));
        Assert.False(cache.TryGet(account.Did, first, out _));
        Assert.False(cache.TryGet(account.Did, firstData, out _));

        // And a third write still finds everything it needs (from the cache or the store).
        var third = await CreatePostAsync(account, "third");
        Assert.Equal("valid", third.GetProperty("validationStatus").GetString());
    }

    [Fact]
    public async Task PutRecord_CreatesThenReplaces_SwapRecordEnforced()
    {
        var account = await _client.CreateAccountAsync();
        var first = await (await _client.PostAsync("com.atproto.repo.putRecord", new { repo = account.Did, collection = "app.bsky.actor.profile", rkey = "self", record = new Dictionary<string, object> { ["$type"] = "app.bsky.actor.profile", ["displayName"] = "One" } }, account.AccessJwt)).ReadOkJsonAsync();
        var firstCid = first.GetProperty("cid").GetString();

        var stale = await _client.PostAsync("com.atproto.repo.putRecord", new { repo = account.Did, collection = "app.bsky.actor.profile", rkey = "self", swapRecord = "bafyreigjeyzksxnmzmusox27i4ju5x75aiayceismj5s6uknqscgtftu2a", record = new Dictionary<string, object> { ["$type"] = "app.bsky.actor.profile", ["displayName"] = "Two" } }, account.AccessJwt);
        await XrpcPipelineTests.AssertXrpcErrorAsync(stale, HttpStatusCode.BadRequest, "InvalidSwap");

        var mustBeAbsent = await _client.PostAsync("com.atproto.repo.putRecord", new { repo = account.Did, collection = "app.bsky.actor.profile", rkey = "self", swapRecord = (string?)null, record = new Dictionary<string, object> { ["$type"] = "app.bsky.actor.profile", ["displayName"] = "Two" } }, account.AccessJwt);
        await XrpcPipelineTests.AssertXrpcErrorAsync(mustBeAbsent, HttpStatusCode.BadRequest, "InvalidSwap");

        var second = await (await _client.PostAsync("com.atproto.repo.putRecord", new { repo = account.Did, collection = "app.bsky.actor.profile", rkey = "self", swapRecord = firstCid, record = new Dictionary<string, object> { ["$type"] = "app.bsky.actor.profile", ["displayName"] = "Two" } }, account.AccessJwt)).ReadOkJsonAsync();
        Assert.NotEqual(firstCid, second.GetProperty("cid").GetString());
        var got = await (await _client.GetAsync($"com.atproto.repo.getRecord?repo={account.Did}&collection=app.bsky.actor.profile&rkey=self", null)).ReadOkJsonAsync();
        Assert.Equal("Two", got.GetProperty("value").GetProperty("displayName").GetString());

        // The replaced record's block is gone; the current one is kept.
        var blocks = await StoredBlocksAsync(account.Did, firstCid!, second.GetProperty("cid").GetString()!);
        Assert.Equal([second.GetProperty("cid").GetString()], blocks.Keys);
    }

    [Fact]
    public async Task DeleteRecord_RemovesRecordAndBlock_MissingRecordIsNoop()
    {
        var account = await _client.CreateAccountAsync();
        var created = await CreatePostAsync(account, "to delete", "3jzfcijpj2z2b");
        var deleted = await (await _client.PostAsync("com.atproto.repo.deleteRecord", new { repo = account.Did, collection = "app.bsky.feed.post", rkey = "3jzfcijpj2z2b" }, account.AccessJwt)).ReadOkJsonAsync();
        Assert.True(deleted.TryGetProperty("commit", out _));

        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.GetAsync($"com.atproto.repo.getRecord?repo={account.Did}&collection=app.bsky.feed.post&rkey=3jzfcijpj2z2b", null), HttpStatusCode.BadRequest, "RecordNotFound");
        Assert.Empty(await StoredBlocksAsync(account.Did, created.GetProperty("cid").GetString()!));

        var again = await (await _client.PostAsync("com.atproto.repo.deleteRecord", new { repo = account.Did, collection = "app.bsky.feed.post", rkey = "3jzfcijpj2z2b" }, account.AccessJwt)).ReadOkJsonAsync();
        Assert.False(again.TryGetProperty("commit", out _));
    }

    [Fact]
    public async Task DeleteRecord_SameContentUnderTwoKeys_SharedBlockKept()
    {
        var account = await _client.CreateAccountAsync();
        var a = await CreatePostAsync(account, "identical", "3jzfcijpj2z2c");
        await CreatePostAsync(account, "identical", "3jzfcijpj2z2d");
        await (await _client.PostAsync("com.atproto.repo.deleteRecord", new { repo = account.Did, collection = "app.bsky.feed.post", rkey = "3jzfcijpj2z2c" }, account.AccessJwt)).ReadOkJsonAsync();

        var got = await (await _client.GetAsync($"com.atproto.repo.getRecord?repo={account.Did}&collection=app.bsky.feed.post&rkey=3jzfcijpj2z2d", null)).ReadOkJsonAsync();
        Assert.Equal(a.GetProperty("cid").GetString(), got.GetProperty("cid").GetString());
    }

    [Fact]
    public async Task ApplyWrites_BatchInOneCommit_ResultsPerWrite()
    {
        var account = await _client.CreateAccountAsync();
        await CreatePostAsync(account, "existing", "3jzfcijpj2z2e");
        var writes = new object[]
        {
            new Dictionary<string, object> { ["$type"] = "com.atproto.repo.applyWrites#create", ["collection"] = "app.bsky.feed.post", ["rkey"] = "3jzfcijpj2z2f", ["value"] = Post("new") },
            new Dictionary<string, object> { ["$type"] = "com.atproto.repo.applyWrites#update", ["collection"] = "app.bsky.feed.post", ["rkey"] = "3jzfcijpj2z2e", ["value"] = Post("edited") },
            new Dictionary<string, object> { ["$type"] = "com.atproto.repo.applyWrites#create", ["collection"] = "app.bsky.feed.like", ["value"] = new Dictionary<string, object> { ["$type"] = "app.bsky.feed.like", ["createdAt"] = "2026-11-24T00:00:00Z", ["subject"] = new Dictionary<string, object> { ["uri"] = "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3jzfcijpj2z2a", ["cid"] = "bafyreigjeyzksxnmzmusox27i4ju5x75aiayceismj5s6uknqscgtftu2a" } } },
        };
        var before = await CommitCountAsync(account.Did);
        var body = await (await _client.PostAsync("com.atproto.repo.applyWrites", new { repo = account.Did, writes }, account.AccessJwt)).ReadOkJsonAsync();

        var results = body.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["com.atproto.repo.applyWrites#createResult", "com.atproto.repo.applyWrites#updateResult", "com.atproto.repo.applyWrites#createResult"], results.Select(r => r.GetProperty("$type").GetString()));
        Assert.Equal(before + 1, await CommitCountAsync(account.Did));
        var edited = await (await _client.GetAsync($"com.atproto.repo.getRecord?repo={account.Did}&collection=app.bsky.feed.post&rkey=3jzfcijpj2z2e", null)).ReadOkJsonAsync();
        Assert.Equal("edited", edited.GetProperty("value").GetProperty("text").GetString());
    }

    [Fact]
    public async Task ApplyWrites_OneBadWrite_NothingApplied()
    {
        var account = await _client.CreateAccountAsync();
        var writes = new object[]
        {
            new Dictionary<string, object> { ["$type"] = "com.atproto.repo.applyWrites#create", ["collection"] = "app.bsky.feed.post", ["rkey"] = "3jzfcijpj2z2g", ["value"] = Post("fine") },
            new Dictionary<string, object> { ["$type"] = "com.atproto.repo.applyWrites#update", ["collection"] = "app.bsky.feed.post", ["rkey"] = "3jzfcijpj2z2h", ["value"] = Post("no such record") },
        };
        var before = await CommitCountAsync(account.Did);
        var response = await _client.PostAsync("com.atproto.repo.applyWrites", new { repo = account.Did, writes }, account.AccessJwt);
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "InvalidRequest");
        Assert.Equal(before, await CommitCountAsync(account.Did));
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.GetAsync($"com.atproto.repo.getRecord?repo={account.Did}&collection=app.bsky.feed.post&rkey=3jzfcijpj2z2g", null), HttpStatusCode.BadRequest, "RecordNotFound");
    }

    [Fact]
    public async Task ApplyWrites_MoreThan200_400()
    {
        var account = await _client.CreateAccountAsync();
        var writes = Enumerable.Range(0, 201).Select(i => new Dictionary<string, object> { ["$type"] = "com.atproto.repo.applyWrites#create", ["collection"] = "app.bsky.feed.post", ["value"] = Post("x" + i) }).ToArray();
        var response = await _client.PostAsync("com.atproto.repo.applyWrites", new { repo = account.Did, writes }, account.AccessJwt);
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "InvalidRequest");
    }

    [Fact]
    public async Task CreateRecord_SwapCommitStale_400InvalidSwap()
    {
        var account = await _client.CreateAccountAsync();
        var first = await CreatePostAsync(account, "one");
        await CreatePostAsync(account, "two");
        var response = await _client.PostAsync("com.atproto.repo.createRecord", new { repo = account.Did, collection = "app.bsky.feed.post", swapCommit = first.GetProperty("commit").GetProperty("cid").GetString(), record = Post("three") }, account.AccessJwt);
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "InvalidSwap");
    }

    [Theory]
    [InlineData("not a collection", "3jzfcijpj2z2i", "app.bsky.feed.post")]
    [InlineData("app.bsky.feed.post", "bad rkey!", "app.bsky.feed.post")]
    [InlineData("app.bsky.feed.post", "..", "app.bsky.feed.post")]
    [InlineData("app.bsky.feed.post", "3jzfcijpj2z2j", "app.bsky.feed.like")]
    public async Task CreateRecord_BadCollectionRkeyOrType_400AndNothingStored(string collection, string rkey, string type)
    {
        var account = await _client.CreateAccountAsync();
        var before = await CommitCountAsync(account.Did);
        var record = new Dictionary<string, object> { ["$type"] = type, ["text"] = "x", ["createdAt"] = "2026-11-24T00:00:00Z" };
        var response = await _client.PostAsync("com.atproto.repo.createRecord", new { repo = account.Did, collection, rkey, record }, account.AccessJwt);
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "InvalidRequest");
        Assert.Equal(before, await CommitCountAsync(account.Did));
    }

    [Fact]
    public async Task CreateRecord_ExistingRkey_400AndOriginalKept()
    {
        var account = await _client.CreateAccountAsync();
        await CreatePostAsync(account, "original", "3jzfcijpj2z2k");
        var response = await _client.PostAsync("com.atproto.repo.createRecord", new { repo = account.Did, collection = "app.bsky.feed.post", rkey = "3jzfcijpj2z2k", record = Post("impostor") }, account.AccessJwt);
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "InvalidRequest");
        var got = await (await _client.GetAsync($"com.atproto.repo.getRecord?repo={account.Did}&collection=app.bsky.feed.post&rkey=3jzfcijpj2z2k", null)).ReadOkJsonAsync();
        Assert.Equal("original", got.GetProperty("value").GetProperty("text").GetString());
    }

    [Fact]
    public async Task CreateRecord_OtherUsersRepo_401AndNothingStored()
    {
        var alice = await _client.CreateAccountAsync();
        var mallory = await _client.CreateAccountAsync();
        var before = await CommitCountAsync(alice.Did);
        var response = await _client.PostAsync("com.atproto.repo.createRecord", new { repo = alice.Did, collection = "app.bsky.feed.post", record = Post("not mine") }, mallory.AccessJwt);
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.Unauthorized, "AuthenticationRequired");
        Assert.Equal(before, await CommitCountAsync(alice.Did));
    }

    [Fact]
    public async Task CreateRecord_ValidateTrueUnknownLexicon_400()
    {
        var account = await _client.CreateAccountAsync();
        var record = new Dictionary<string, object> { ["$type"] = "com.example.unknown.thing", ["x"] = 1 };
        var response = await _client.PostAsync("com.atproto.repo.createRecord", new { repo = account.Did, collection = "com.example.unknown.thing", validate = true, record }, account.AccessJwt);
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "InvalidRequest");
    }

    [Fact]
    public async Task CreateRecord_KnownLexiconInvalidRecord_400NamingTheField()
    {
        var account = await _client.CreateAccountAsync();
        var before = await CommitCountAsync(account.Did);
        var tooLong = new Dictionary<string, object> { ["$type"] = "app.bsky.feed.post", ["text"] = new string('x', 3001), ["createdAt"] = "2026-11-24T00:00:00Z" };
        var response = await _client.PostAsync("com.atproto.repo.createRecord", new { repo = account.Did, collection = "app.bsky.feed.post", record = tooLong }, account.AccessJwt);
        var body = await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "InvalidRequest");
        Assert.Contains("Record/text", body.GetProperty("message").GetString(), StringComparison.Ordinal);

        var missing = new Dictionary<string, object> { ["$type"] = "app.bsky.feed.post", ["text"] = "no date" };
        response = await _client.PostAsync("com.atproto.repo.createRecord", new { repo = account.Did, collection = "app.bsky.feed.post", record = missing }, account.AccessJwt);
        body = await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "InvalidRequest");
        Assert.Contains("createdAt", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await CommitCountAsync(account.Did));
    }

    [Fact]
    public async Task CreateRecord_ValidateFalse_StoresWithoutStatus_UnknownLexiconIsUnknown()
    {
        var account = await _client.CreateAccountAsync();
        var missing = new Dictionary<string, object> { ["$type"] = "app.bsky.feed.post", ["text"] = "no date" };
        var skipped = await (await _client.PostAsync("com.atproto.repo.createRecord", new { repo = account.Did, collection = "app.bsky.feed.post", validate = false, record = missing }, account.AccessJwt)).ReadOkJsonAsync();
        Assert.False(skipped.TryGetProperty("validationStatus", out _));

        var custom = new Dictionary<string, object> { ["$type"] = "com.example.custom.thing", ["x"] = 1 };
        var unknown = await (await _client.PostAsync("com.atproto.repo.createRecord", new { repo = account.Did, collection = "com.example.custom.thing", record = custom }, account.AccessJwt)).ReadOkJsonAsync();
        Assert.Equal("unknown", unknown.GetProperty("validationStatus").GetString());
    }

    [Fact]
    public async Task PutRecord_RecordKeyNotAllowedByLexicon_400()
    {
        var account = await _client.CreateAccountAsync();
        var profile = new Dictionary<string, object> { ["$type"] = "app.bsky.actor.profile", ["displayName"] = "x" };
        var response = await _client.PostAsync("com.atproto.repo.putRecord", new { repo = account.Did, collection = "app.bsky.actor.profile", rkey = "not-self", record = profile }, account.AccessJwt);
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "InvalidRequest");
    }

    [Fact]
    public async Task CreateRecord_FloatInRecord_400()
    {
        var account = await _client.CreateAccountAsync();
        var record = new Dictionary<string, object> { ["$type"] = "com.example.thing", ["x"] = 1.5 };
        var response = await _client.PostAsync("com.atproto.repo.createRecord", new { repo = account.Did, collection = "com.example.thing", record }, account.AccessJwt);
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "InvalidRequest");
    }

    [Fact]
    public async Task ListRecords_PagesNewestFirstAndReverse()
    {
        var account = await _client.CreateAccountAsync();
        var keys = new[] { "3jzfcijpj2z32", "3jzfcijpj2z33", "3jzfcijpj2z34", "3jzfcijpj2z35", "3jzfcijpj2z36" };
        var writes = keys.Select(k => new Dictionary<string, object> { ["$type"] = "com.atproto.repo.applyWrites#create", ["collection"] = "app.bsky.feed.post", ["rkey"] = k, ["value"] = Post(k) }).ToArray();
        await (await _client.PostAsync("com.atproto.repo.applyWrites", new { repo = account.Did, writes }, account.AccessJwt)).ReadOkJsonAsync();

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await (await _client.GetAsync($"com.atproto.repo.listRecords?repo={account.Did}&collection=app.bsky.feed.post&limit=2" + (cursor is null ? "" : "&cursor=" + cursor), null)).ReadOkJsonAsync();
            seen.AddRange(page.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("value").GetProperty("text").GetString()!));
            cursor = page.TryGetProperty("cursor", out var c) ? c.GetString() : null;
        }
        while (cursor is not null);
        Assert.Equal(keys.Reverse(), seen);

        var reversed = await (await _client.GetAsync($"com.atproto.repo.listRecords?repo={account.Did}&collection=app.bsky.feed.post&reverse=true&limit=3", null)).ReadOkJsonAsync();
        Assert.Equal(keys.Take(3), reversed.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("value").GetProperty("text").GetString()));
    }

    [Fact]
    public async Task GetRecordAndListRecords_DataModelValues_RoundTripAsWritten()
    {
        // The record is served by decoding the stored block straight into the response: links,
        // bytes, nested arrays, non-ASCII text and integers must come back exactly as written.
        var account = await _client.CreateAccountAsync();
        const string link = "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm";
        var json = "{\"$type\":\"com.example.thing\",\"text\":\"h\u00e9llo \u65e5\u672c \ud83d\ude00 \\\"q\\\"\",\"n\":-9007199254740991,"
            + "\"ref\":{\"$link\":\"" + link + "\"},\"raw\":{\"$bytes\":\"AAEC/w\"},\"list\":[1,[true,null],{\"k\":\"v\"}]}";
        using var record = JsonDocument.Parse(json);
        var created = await (await _client.PostAsync("com.atproto.repo.createRecord", new { repo = account.Did, collection = "com.example.thing", rkey = "self", record = record.RootElement }, account.AccessJwt)).ReadOkJsonAsync();
        var cid = created.GetProperty("cid").GetString()!;

        var got = await (await _client.GetAsync($"com.atproto.repo.getRecord?repo={account.Did}&collection=com.example.thing&rkey=self", null)).ReadOkJsonAsync();
        var listed = await (await _client.GetAsync($"com.atproto.repo.listRecords?repo={account.Did}&collection=com.example.thing", null)).ReadOkJsonAsync();
        var fromList = Assert.Single(listed.GetProperty("records").EnumerateArray().ToList());
        foreach (var value in new[] { got.GetProperty("value"), fromList.GetProperty("value") })
        {
            Assert.Equal(LexJson.Parse(json), LexJson.Parse(value.GetRawText()));
            Assert.Equal("h\u00e9llo \u65e5\u672c \ud83d\ude00 \"q\"", value.GetProperty("text").GetString());
            Assert.Equal(link, value.GetProperty("ref").GetProperty("$link").GetString());
            Assert.Equal("AAEC/w", value.GetProperty("raw").GetProperty("$bytes").GetString());
        }

        Assert.Equal(cid, got.GetProperty("cid").GetString());
        Assert.Equal(cid, fromList.GetProperty("cid").GetString());
        Assert.Equal($"at://{account.Did}/com.example.thing/self", fromList.GetProperty("uri").GetString());
    }

    [Fact]
    public async Task GetRecord_OtherCidOrUnknownKey_RecordNotFound()
    {
        var account = await _client.CreateAccountAsync();
        var created = await CreatePostAsync(account, "versioned", "3jzfcijpj2z4a");
        var other = await CreatePostAsync(account, "other", "3jzfcijpj2z4b");

        var ok = await _client.GetAsync($"com.atproto.repo.getRecord?repo={account.Did}&collection=app.bsky.feed.post&rkey=3jzfcijpj2z4a&cid={created.GetProperty("cid").GetString()}", null);
        Assert.Equal("versioned", (await ok.ReadOkJsonAsync()).GetProperty("value").GetProperty("text").GetString());
        foreach (var query in new[] { $"rkey=3jzfcijpj2z4a&cid={other.GetProperty("cid").GetString()}", "rkey=3jzfcijpj2z4z" })
        {
            var response = await _client.GetAsync($"com.atproto.repo.getRecord?repo={account.Did}&collection=app.bsky.feed.post&{query}", null);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("RecordNotFound", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        }
    }

    [Fact]
    public async Task DescribeRepo_ListsCollectionsAndVerifiesHandle()
    {
        var account = await _client.CreateAccountAsync();
        await CreatePostAsync(account, "x");
        var body = await (await _client.GetAsync($"com.atproto.repo.describeRepo?repo={account.Handle}", null)).ReadOkJsonAsync();
        Assert.Equal(account.Did, body.GetProperty("did").GetString());
        Assert.True(body.GetProperty("handleIsCorrect").GetBoolean());
        Assert.Equal(["app.bsky.feed.post"], body.GetProperty("collections").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public async Task ConcurrentWritesToOneRepo_AllLandInOneLinearHistory()
    {
        var account = await _client.CreateAccountAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => _client.PostAsync("com.atproto.repo.createRecord", new { repo = account.Did, collection = "app.bsky.feed.post", record = Post("c" + i) }, account.AccessJwt)));
        foreach (var response in responses)
        {
            await response.ReadOkJsonAsync();
        }

        var page = await (await _client.GetAsync($"com.atproto.repo.listRecords?repo={account.Did}&collection=app.bsky.feed.post&limit=100", null)).ReadOkJsonAsync();
        Assert.Equal(20, page.GetProperty("records").GetArrayLength());
        var events = await factory.WithScopeAsync(sp => sp.GetRequiredService<ISequencer>().ReadAfterAsync(0, 100_000));
        var commits = events.Where(e => e.Did == account.Did && e.EventType == "commit")
            .Select(e => (CommitEvent)RepoEvent.FromPayload(CommitEvent.TypeName, (LexMap)DagCbor.Decode(e.Event)))
            .ToList();
        for (var i = 1; i < commits.Count; i++)
        {
            Assert.Equal(commits[i - 1].Rev, commits[i].Since);
        }
    }

    private Task<int> CommitCountAsync(string did) =>
        factory.WithScopeAsync(sp => sp.GetRequiredService<PdsDbContext>().SequencedEvents.CountAsync(e => e.Did == did && e.EventType == "commit"));

    /// <summary>Which of <paramref name="cids"/> the repository's store still holds, wherever it keeps them.</summary>
    private Task<IReadOnlyDictionary<string, byte[]>> StoredBlocksAsync(string did, params string[] cids) =>
        factory.WithScopeAsync(sp => sp.GetRequiredService<IActorStore>().ReadAsync(did, (reader, ct) => reader.GetBlocksAsync(cids, ct)));
}
