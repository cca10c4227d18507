using System.Net;
using Pds.Domain.Data;
using Pds.Domain.Identity;
using Pds.Domain.Repo;
using Pds.Domain.Repo.Car;
using Pds.Domain.Repo.Mst;

namespace Pds.Api.Tests.Xrpc.Sync;

/// <summary>com.atproto.sync.* reads.</summary>
public sealed class SyncTests(PdsApiFactory factory) : IClassFixture<PdsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private async Task<(TestAccount Account, List<string> Rkeys)> AccountWithPostsAsync(int count)
    {
        var account = await _client.CreateAccountAsync();
        var rkeys = Enumerable.Range(0, count).Select(_ => Pds.Domain.Syntax.TidClock.Shared.Next().ToString()).ToList();
        var writes = rkeys.Select(k => new Dictionary<string, object>
        {
            ["$type"] = "com.atproto.repo.applyWrites#create",
            ["collection"] = "app.bsky.feed.post",
            ["rkey"] = k,
            ["value"] = new Dictionary<string, object> { ["$type"] = "app.bsky.feed.post", ["text"] = "post " + k, ["createdAt"] = "2026-11-24T00:00:00Z" },
        }).ToArray();
        if (count > 0)
        {
            await (await _client.PostAsync("com.atproto.repo.applyWrites", new { repo = account.Did, writes }, account.AccessJwt)).ReadOkJsonAsync();
        }

        return (account, rkeys);
    }

    private async Task<byte[]> GetCarAsync(string pathAndQuery)
    {
        var response = await _client.GetAsync("/xrpc/" + pathAndQuery);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        Assert.Equal("application/vnd.ipld.car", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsByteArrayAsync();
    }

    [Fact]
    public async Task GetRepo_CarVerifiesWithDocumentKeyAndHoldsEveryRecord()
    {
        var (account, rkeys) = await AccountWithPostsAsync(30);
        var car = await GetCarAsync($"com.atproto.sync.getRepo?did={account.Did}");

        var contents = await RepoCar.ReadAsync(new MemoryStream(car));
        var key = DidDocument.Parse(await _client.GetStringAsync($"/plc/{account.Did}"), account.Did).GetSigningKey()!;
        Assert.True(contents.Commit.VerifySignature(key));
        var latest = await (await _client.GetAsync($"com.atproto.sync.getLatestCommit?did={account.Did}", null)).ReadOkJsonAsync();
        Assert.Equal(latest.GetProperty("cid").GetString(), contents.CommitCid.ToString());

        var tree = MstTree.Load(contents.Blocks, contents.Commit.Data);
        foreach (var rkey in rkeys)
        {
            var cid = await tree.GetAsync("app.bsky.feed.post/" + rkey);
            Assert.NotNull(cid);
            Assert.True(contents.Blocks.Contains(cid!));
        }

        // Nothing but the repository: every block is the commit, an MST node or a record.
        var entries = await tree.ListAsync();
        Assert.Equal(rkeys.Count, entries.Count);
    }

    [Fact]
    public async Task GetRepo_Since_OnlyNewerBlocks()
    {
        var (account, _) = await AccountWithPostsAsync(5);
        var before = await (await _client.GetAsync($"com.atproto.sync.getLatestCommit?did={account.Did}", null)).ReadOkJsonAsync();
        var created = await (await _client.PostAsync("com.atproto.repo.createRecord", new { repo = account.Did, collection = "app.bsky.feed.post", record = new Dictionary<string, object> { ["$type"] = "app.bsky.feed.post", ["text"] = "later", ["createdAt"] = "2026-11-24T00:00:00Z" } }, account.AccessJwt)).ReadOkJsonAsync();

        var full = await CarReader.ReadAllAsync(await GetCarAsync($"com.atproto.sync.getRepo?did={account.Did}"));
        var diff = await CarReader.ReadAllAsync(await GetCarAsync($"com.atproto.sync.getRepo?did={account.Did}&since={before.GetProperty("rev").GetString()}"));
        Assert.True(diff.Blocks.Count < full.Blocks.Count);
        Assert.True(diff.Blocks.Contains(Cid.Parse(created.GetProperty("cid").GetString()!)));
        Assert.True(diff.Blocks.Contains(Cid.Parse(created.GetProperty("commit").GetProperty("cid").GetString()!)));
    }

    [Fact]
    public async Task SyncGetRecord_ProofShowsRecordUnderSignedCommit_AndAbsenceOfOthers()
    {
        var (account, rkeys) = await AccountWithPostsAsync(40);
        var key = DidDocument.Parse(await _client.GetStringAsync($"/plc/{account.Did}"), account.Did).GetSigningKey()!;

        var present = await CarReader.ReadAllAsync(await GetCarAsync($"com.atproto.sync.getRecord?did={account.Did}&collection=app.bsky.feed.post&rkey={rkeys[17]}"));
        Assert.True(present.Blocks.TryGet(present.Roots[0], out var commitBytes));
        var commit = Commit.Decode(commitBytes);
        Assert.True(commit.VerifySignature(key));
        var cid = await MstTree.Load(present.Blocks, commit.Data).GetAsync("app.bsky.feed.post/" + rkeys[17]);
        Assert.NotNull(cid);
        Assert.True(present.Blocks.Contains(cid!));
        Assert.True(present.Blocks.Count < 20);

        var absent = await CarReader.ReadAllAsync(await GetCarAsync($"com.atproto.sync.getRecord?did={account.Did}&collection=app.bsky.feed.post&rkey=2222222222222"));
        Assert.True(absent.Blocks.TryGet(absent.Roots[0], out var absentCommit));
        Assert.Null(await MstTree.Load(absent.Blocks, Commit.Decode(absentCommit).Data).GetAsync("app.bsky.feed.post/2222222222222"));
    }

    [Fact]
    public async Task GetBlocks_ReturnsRequested_MissingIs400BlockNotFound()
    {
        var (account, _) = await AccountWithPostsAsync(1);
        var latest = await (await _client.GetAsync($"com.atproto.sync.getLatestCommit?did={account.Did}", null)).ReadOkJsonAsync();
        var head = latest.GetProperty("cid").GetString();
        // getBlocks answers a CAR without roots, as the reference PDS does.
        var car = await CarReader.ReadAllAsync(await GetCarAsync($"com.atproto.sync.getBlocks?did={account.Did}&cids={head}"), new CarLimits { RequireRoots = false });
        Assert.Empty(car.Roots);
        Assert.Equal([head], car.Blocks.Cids.Select(c => c.ToString()));

        var missing = await _client.GetAsync($"/xrpc/com.atproto.sync.getBlocks?did={account.Did}&cids={head}&cids=bafyreigjeyzksxnmzmusox27i4ju5x75aiayceismj5s6uknqscgtftu2a");
        await XrpcPipelineTests.AssertXrpcErrorAsync(missing, HttpStatusCode.BadRequest, "BlockNotFound");
    }

    [Fact]
    public async Task UnknownDid_400RepoNotFound()
    {
        var did = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa";
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.GetAsync($"/xrpc/com.atproto.sync.getRepo?did={did}"), HttpStatusCode.BadRequest, "RepoNotFound");
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.GetAsync($"/xrpc/com.atproto.sync.getLatestCommit?did={did}"), HttpStatusCode.BadRequest, "RepoNotFound");
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.GetAsync($"/xrpc/com.atproto.sync.getRepoStatus?did={did}"), HttpStatusCode.BadRequest, "RepoNotFound");
    }

    [Fact]
    public async Task GetRepoStatus_ActiveWithRev()
    {
        var (account, _) = await AccountWithPostsAsync(1);
        var status = await (await _client.GetAsync($"com.atproto.sync.getRepoStatus?did={account.Did}", null)).ReadOkJsonAsync();
        var latest = await (await _client.GetAsync($"com.atproto.sync.getLatestCommit?did={account.Did}", null)).ReadOkJsonAsync();
        Assert.True(status.GetProperty("active").GetBoolean());
        Assert.Equal(latest.GetProperty("rev").GetString(), status.GetProperty("rev").GetString());
    }

    [Fact]
    public async Task ListRepos_PagesThroughEveryAccount()
    {
        var created = new HashSet<string>();
        for (var i = 0; i < 5; i++)
        {
            created.Add((await _client.CreateAccountAsync()).Did);
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await (await _client.GetAsync("com.atproto.sync.listRepos?limit=2" + (cursor is null ? "" : "&cursor=" + cursor), null)).ReadOkJsonAsync();
            seen.AddRange(page.GetProperty("repos").EnumerateArray().Select(r => r.GetProperty("did").GetString()!));
            cursor = page.TryGetProperty("cursor", out var c) ? c.GetString() : null;
        }
        while (cursor is not null);

        Assert.Subset(seen.ToHashSet(), created);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
    }
}
