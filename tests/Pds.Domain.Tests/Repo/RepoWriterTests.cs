using Pds.Domain.Crypto;
using Pds.Domain.Data;
using Pds.Domain.Repo;
using Pds.Domain.Repo.Mst;
using Pds.Domain.Syntax;

namespace Pds.Domain.Tests.Repo;

public sealed class RepoWriterTests
{
    private static readonly Did Alice = Did.Parse("did:plc:ewvi7nxzyoun6zhxrhs64oiz");
    private static readonly Nsid Post = Nsid.Parse("app.bsky.feed.post");
    private readonly Secp256k1Keypair _key = Secp256k1Keypair.Generate();
    private readonly TidClock _clock = new();
    private readonly BlockMap _store = new();

    [Fact]
    public async Task CreateAsync_EmptyRepo_SignsCommitOverEmptyTree()
    {
        var created = await RepoWriter.CreateAsync(Alice, _key, [], _clock.Next());

        Assert.True(created.Commit.VerifySignature(_key.DidKey()));
        Assert.Equal(3, created.Commit.Version);
        Assert.Null(created.Since);
        Assert.Null(created.PrevData);
        Assert.Empty(created.Ops);
        // The empty tree is a single empty node, well known to every implementation.
        Assert.Equal("bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm", created.Commit.Data.ToString());
        Assert.True(created.NewBlocks.Contains(created.Cid));
        Assert.True(created.NewBlocks.Contains(created.Commit.Data));
    }

    [Fact]
    public async Task ApplyAsync_CreateUpdateDelete_ProducesOpsWithPrevAndInvertibleProof()
    {
        var head = await Persist(await RepoWriter.CreateAsync(Alice, _key, [], _clock.Next()));
        var writes = Enumerable.Range(0, 50).Select(i => (RepoWrite)PostWrite($"post {i}")).ToList();
        head = await Persist(await RepoWriter.ApplyAsync(_store, head.Commit, _key, writes, _clock.Next()));

        var first = (RepoCreate)writes[0];
        var second = (RepoCreate)writes[1];
        var edited = RepoUpdate.FromRecord(Post, first.Rkey, PostRecord("edited"), swapRecord: first.Cid);
        var removed = new RepoDelete(Post, second.Rkey);
        var added = PostWrite("new");

        var result = await RepoWriter.ApplyAsync(_store, head.Commit, _key, [edited, removed, added], _clock.Next());

        Assert.Equal(head.Commit.Rev, result.Since);
        Assert.Equal(head.Commit.Data, result.PrevData);
        Assert.True(result.Rev > head.Commit.Rev);
        Assert.Collection(
            result.Ops,
            op => Assert.Equal(RecordOp.Update(first.Path, edited.Cid, first.Cid), op),
            op => Assert.Equal(RecordOp.Delete(second.Path, second.Cid), op),
            op => Assert.Equal(RecordOp.Create(added.Path, added.Cid), op));
        Assert.Contains(first.Cid, result.ReleasedRecordCids);
        Assert.Contains(second.Cid, result.ReleasedRecordCids);
        Assert.True(result.Commit.VerifySignature(_key.DidKey()));

        // A firehose consumer holding only the event's blocks can invert the ops back to prevData.
        var eventBlocks = new BlockMap();
        eventBlocks.AddAll(result.NewBlocks);
        eventBlocks.AddAll(result.RelevantBlocks);
        var newTree = MstTree.Load(eventBlocks, result.Commit.Data);
        Assert.True(await MstInversion.VerifyAsync(newTree, result.Ops, head.Commit.Data));
    }

    [Fact]
    public async Task ApplyAsync_ResultMatchesTreeBuiltFromScratch()
    {
        var head = await Persist(await RepoWriter.CreateAsync(Alice, _key, [], _clock.Next()));
        var creates = Enumerable.Range(0, 30).Select(i => PostWrite($"p{i}")).ToList();
        foreach (var batch in creates.Chunk(7))
        {
            head = await Persist(await RepoWriter.ApplyAsync(_store, head.Commit, _key, batch, _clock.Next()));
        }

        var scratch = MstTree.Empty(new BlockMap());
        foreach (var c in creates)
        {
            scratch = await scratch.AddAsync(c.Path, c.Cid);
        }

        Assert.Equal(await scratch.GetRootCidAsync(), head.Commit.Data);
    }

    [Fact]
    public async Task ApplyAsync_Conflicts_ThrowWithTheirKind()
    {
        var existing = PostWrite("x");
        var head = await Persist(await RepoWriter.CreateAsync(Alice, _key, [existing], _clock.Next()));
        var missing = new RecordKey[] { RecordKey.Parse("3jzfcijpj2z2a") };
        var wrongCid = Cid.ForDagCbor([0xa0]);

        await AssertError(RepoWriteError.RecordExists, existing);
        await AssertError(RepoWriteError.RecordNotFound, new RepoDelete(Post, missing[0]));
        await AssertError(RepoWriteError.RecordNotFound, RepoUpdate.FromRecord(Post, missing[0], PostRecord("y")));
        await AssertError(RepoWriteError.InvalidSwap, new RepoDelete(Post, existing.Rkey, wrongCid));
        await AssertError(RepoWriteError.InvalidSwap, RepoUpdate.FromRecord(Post, existing.Rkey, PostRecord("z"), wrongCid));
        await AssertError(RepoWriteError.DuplicateWrite, new RepoDelete(Post, existing.Rkey), new RepoDelete(Post, existing.Rkey));

        async Task AssertError(RepoWriteError expected, params RepoWrite[] writes)
        {
            var ex = await Assert.ThrowsAsync<RepoWriteException>(async () =>
                await RepoWriter.ApplyAsync(_store, head.Commit, _key, writes, _clock.Next()));
            Assert.Equal(expected, ex.Error);
        }
    }

    [Fact]
    public async Task ApplyAsync_ClockBehindCurrentRev_StillAdvancesRev()
    {
        var head = await Persist(await RepoWriter.CreateAsync(Alice, _key, [], _clock.Next()));
        var stale = Tid.FromValue(head.Commit.Rev.Value - 1000);

        var result = await RepoWriter.ApplyAsync(_store, head.Commit, _key, [PostWrite("late")], stale);

        Assert.True(result.Rev > head.Commit.Rev);
    }

    private async Task<CommitData> Persist(CommitData data)
    {
        _store.AddAll(data.NewBlocks);
        await Task.CompletedTask;
        return data;
    }

    private RepoCreate PostWrite(string text) =>
        RepoCreate.FromRecord(Post, RecordKey.FromTid(_clock.Next()), PostRecord(text));

    private static LexMap PostRecord(string text) =>
        LexValue.Map(("$type", "app.bsky.feed.post"), ("text", text), ("createdAt", "2026-11-23T00:00:00.000Z"));
}
