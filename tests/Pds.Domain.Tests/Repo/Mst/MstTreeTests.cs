using Pds.Domain.Data;
using Pds.Domain.Repo;
using Pds.Domain.Repo.Mst;

namespace Pds.Domain.Tests.Repo.Mst;

public sealed class MstTreeTests
{
    private static string PostKey(int i) => $"app.bsky.feed.post/3k{i:D11}";

    [Fact]
    public async Task AddAsync_ExistingKey_ThrowsKeyExists()
    {
        var tree = await MstTestSupport.BuildAsync(["a.b.c/1", "a.b.c/2"]);
        var ex = await Assert.ThrowsAsync<MstKeyExistsException>(async () => await tree.AddAsync("a.b.c/2", MstTestSupport.LeafValue));
        Assert.Equal("a.b.c/2", ex.Key);
    }

    [Fact]
    public async Task UpdateAsync_MissingKey_ThrowsKeyNotFound()
    {
        var tree = await MstTestSupport.BuildAsync(["a.b.c/1", "a.b.c/2"]);
        await Assert.ThrowsAsync<MstKeyNotFoundException>(async () => await tree.UpdateAsync("a.b.c/3", MstTestSupport.LeafValue));
        await Assert.ThrowsAsync<MstKeyNotFoundException>(async () => await MstTree.Empty(new BlockMap()).UpdateAsync("a.b.c/3", MstTestSupport.LeafValue));
    }

    [Fact]
    public async Task DeleteAsync_MissingKey_ThrowsKeyNotFound()
    {
        var tree = await MstTestSupport.BuildAsync(Enumerable.Range(0, 50).Select(PostKey));
        await Assert.ThrowsAsync<MstKeyNotFoundException>(async () => await tree.DeleteAsync(PostKey(50)));
        await Assert.ThrowsAsync<MstKeyNotFoundException>(async () => await MstTree.Empty(new BlockMap()).DeleteAsync(PostKey(1)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("asdf")]
    [InlineData("nested/collection/asdf")]
    [InlineData("coll/")]
    [InlineData("/rkey")]
    [InlineData("coll/jalapeñoA")]
    [InlineData("coll/coöperative")]
    [InlineData("coll/abc💩")]
    [InlineData("coll/$")]
    [InlineData("coll/%foo")]
    [InlineData("coll/<")]
    [InlineData("coll/a b")]
    [InlineData("coll/.")]
    [InlineData("coll/..")]
    [InlineData("../rkey")]
    public async Task AddAsync_InvalidKey_ThrowsInvalidKey(string key)
    {
        Assert.False(MstKey.IsValid(key));
        await Assert.ThrowsAsync<InvalidMstKeyException>(async () => await MstTree.Empty(new BlockMap()).AddAsync(key, MstTestSupport.LeafValue));
    }

    [Fact]
    public void Validate_KeyOverMaxLength_Throws()
    {
        var key = "coll/" + new string('a', MstKey.MaxLength - 5);
        MstKey.Validate(key);
        Assert.Throws<InvalidMstKeyException>(() => MstKey.Validate(key + "a"));
    }

    [Theory]
    [InlineData("coll/asdf")]
    [InlineData("com.example.record/3jqfcqzm3fo2j")]
    [InlineData("coll/a:b")]
    [InlineData("coll/~tilde_under-dash.dot")]
    [InlineData("app.bsky.actor.profile/self")]
    public void IsValid_ValidKey_True(string key)
    {
        Assert.True(MstKey.IsValid(key));
    }

    [Fact]
    public async Task Writes_LeaveOriginalTreeUnchanged()
    {
        var original = await MstTestSupport.BuildAsync(Enumerable.Range(0, 20).Select(PostKey));
        var root = await original.GetRootCidAsync();
        var changed = await (await (await original.AddAsync(PostKey(100), MstTestSupport.LeafValue))
            .UpdateAsync(PostKey(3), MstTestSupport.LeafValue)).DeleteAsync(PostKey(4));

        Assert.Equal(root, await original.GetRootCidAsync());
        Assert.Null(await original.GetAsync(PostKey(100)));
        Assert.Equal(MstTestSupport.ValueFor(PostKey(3)), await original.GetAsync(PostKey(3)));
        Assert.NotNull(await original.GetAsync(PostKey(4)));
        Assert.Equal(MstTestSupport.LeafValue, await changed.GetAsync(PostKey(3)));
        Assert.Null(await changed.GetAsync(PostKey(4)));
    }

    [Fact]
    public async Task DeleteAsync_EveryKey_GivesEmptyTree()
    {
        var keys = Enumerable.Range(0, 64).Select(PostKey).ToList();
        var tree = await MstTestSupport.BuildAsync(keys);
        foreach (var key in keys.OrderBy(k => k.GetHashCode(StringComparison.Ordinal)))
        {
            tree = await tree.DeleteAsync(key);
        }

        Assert.Equal(await MstTree.Empty(new BlockMap()).GetRootCidAsync(), await tree.GetRootCidAsync());
        Assert.Empty(await MstTestSupport.WalkAllAsync(tree));
    }

    [Fact]
    public async Task ListWithPrefixAsync_Collection_ReturnsOnlyThatCollectionInOrder()
    {
        var keys = new List<string>();
        foreach (var coll in new[] { "app.bsky.feed.like", "app.bsky.feed.post", "app.bsky.feed.postgate", "app.bsky.graph.follow" })
        {
            keys.AddRange(Enumerable.Range(0, 40).Select(i => $"{coll}/3k{i:D11}"));
        }

        var tree = await MstTestSupport.PersistAndReloadAsync(await MstTestSupport.BuildAsync(keys), new BlockMap());
        var posts = await tree.ListWithPrefixAsync("app.bsky.feed.post/");
        Assert.Equal(keys.Where(k => k.StartsWith("app.bsky.feed.post/", StringComparison.Ordinal)), posts.Select(e => e.Key));

        var lastFive = await tree.ListWithPrefixAsync("app.bsky.feed.post/", limit: 5, reverse: true);
        Assert.Equal(Enumerable.Range(35, 5).Reverse().Select(i => $"app.bsky.feed.post/3k{i:D11}"), lastFive.Select(e => e.Key));
    }

    [Fact]
    public async Task ListAsync_AfterAndBefore_AreExclusiveAndFromIsInclusive()
    {
        var keys = Enumerable.Range(0, 100).Select(PostKey).ToList();
        var tree = await MstTestSupport.BuildAsync(keys);

        var page = await tree.ListAsync(after: PostKey(10), before: PostKey(20));
        Assert.Equal(keys.GetRange(11, 9), page.Select(e => e.Key));
        var fromPage = await tree.ListAsync(from: PostKey(10), limit: 3);
        Assert.Equal(keys.GetRange(10, 3), fromPage.Select(e => e.Key));
        var reversed = await tree.ListAsync(before: PostKey(50), limit: 4, reverse: true);
        Assert.Equal(new[] { 49, 48, 47, 46 }.Select(PostKey), reversed.Select(e => e.Key));
        Assert.All(page, e => Assert.Equal(MstTestSupport.ValueFor(e.Key), e.Value));
        Assert.Empty(await tree.ListAsync(from: PostKey(60), before: PostKey(50)));
        Assert.Empty(await tree.ListAsync(limit: 0));
    }

    [Fact]
    public async Task GetUnstoredBlocksAsync_AfterLoadAndWrite_HoldsExactlyTheMissingNodes()
    {
        var store = new BlockMap();
        var tree = await MstTestSupport.PersistAndReloadAsync(await MstTestSupport.BuildAsync(Enumerable.Range(0, 500).Select(PostKey)), store);
        Assert.Empty(await tree.GetUnstoredBlocksAsync());

        var next = await (await tree.AddAsync(PostKey(1000), MstTestSupport.LeafValue)).DeleteAsync(PostKey(250));
        var fresh = await next.GetUnstoredBlocksAsync();
        Assert.NotEmpty(fresh);
        Assert.True(fresh.Count < 20);
        Assert.Contains(await next.GetRootCidAsync(), fresh.Cids);
        Assert.All(fresh.Cids, c => Assert.False(store.Contains(c)));

        // The stored blocks plus the new ones hold the whole new tree.
        var combined = new BlockMap();
        combined.AddAll(store);
        combined.AddAll(fresh);
        var reloaded = MstTree.Load(combined, await next.GetRootCidAsync());
        var all = await reloaded.GetAllNodeBlocksAsync();
        Assert.All(all.Cids, c => Assert.True(store.Contains(c) || fresh.Contains(c)));
        Assert.Equal(500, (await MstTestSupport.WalkAllAsync(reloaded)).Count);
    }

    [Fact]
    public async Task GetAsync_On10000KeyTree_ReadsOnlyThePath()
    {
        var store = new BlockMap();
        var keys = Enumerable.Range(0, 10_000).Select(PostKey).ToList();
        var built = await MstTestSupport.BuildAsync(keys);
        store.AddAll(await built.GetUnstoredBlocksAsync());
        Assert.True(store.Count > 2_000);

        var counting = new CountingBlockSource(store);
        var tree = MstTree.Load(counting, await built.GetRootCidAsync());
        Assert.Equal(MstTestSupport.ValueFor(keys[7_777]), await tree.GetAsync(keys[7_777]));
        // log4(10000) is about 7 layers; a lookup reads one node per layer.
        Assert.InRange(counting.Reads, 1, 12);

        var before = counting.Reads;
        Assert.Null(await tree.GetAsync("app.bsky.feed.post/zzzz"));
        Assert.InRange(counting.Reads - before, 0, 12);

        before = counting.Reads;
        var written = await tree.AddAsync("app.bsky.feed.post/3k00000005000a", MstTestSupport.LeafValue);
        await written.GetRootCidAsync();
        Assert.InRange(counting.Reads - before, 0, 24);
    }

    [Fact]
    public async Task WalkAsync_LazilyLoadedTree_YieldsAllKeysInOrder()
    {
        var keys = Enumerable.Range(0, 2_000).Select(i => $"com.example.record/{(i * 7919) % 100_000:D6}").Distinct().ToList();
        var tree = await MstTestSupport.PersistAndReloadAsync(await MstTestSupport.BuildAsync(keys), new BlockMap());
        var walked = await MstTestSupport.WalkAllAsync(tree);
        Assert.Equal(keys.Order(StringComparer.Ordinal), walked.Select(e => e.Key));
    }

    [Fact]
    public async Task WalkAsync_StoredTree_KeepsNoNodeItRead()
    {
        // An import walks every node once: a walk holds only the path it is on, so a second walk
        // reads every node below the root again, and the tree still answers afterwards.
        var keys = Enumerable.Range(0, 2_000).Select(PostKey).ToList();
        var store = new BlockMap();
        var built = await MstTestSupport.BuildAsync(keys);
        store.AddAll(await built.GetUnstoredBlocksAsync());
        var counting = new CountingBlockSource(store);
        var tree = MstTree.Load(counting, await built.GetRootCidAsync());
        var nodes = (await built.GetAllNodeBlocksAsync()).Count;
        Assert.True(nodes > 100);

        var first = await MstTestSupport.WalkAllAsync(tree);
        Assert.Equal(nodes, counting.Reads);
        var second = await MstTestSupport.WalkAllAsync(tree);
        Assert.Equal(nodes + (nodes - 1), counting.Reads);
        Assert.Equal(keys.Order(StringComparer.Ordinal), first.Select(e => e.Key));
        Assert.Equal(first, second);
        Assert.Equal(MstTestSupport.ValueFor(keys[1234]), await tree.GetAsync(keys[1234]));
    }

    [Fact]
    public async Task WalkBlocksAsync_StoredTree_YieldsNodesBeforeTheirSlotsInKeyOrder()
    {
        var keys = Enumerable.Range(0, 300).Select(PostKey).ToList();
        var tree = await MstTestSupport.PersistAndReloadAsync(await MstTestSupport.BuildAsync(keys), new BlockMap());
        var items = new List<MstBlockRef>();
        await foreach (var item in tree.WalkBlocksAsync())
        {
            items.Add(item);
        }

        Assert.True(items[0].IsNode);
        Assert.Equal(await tree.GetRootCidAsync(), items[0].Cid);
        Assert.Equal(keys.Select(MstTestSupport.ValueFor), items.Where(i => !i.IsNode).Select(i => i.Cid));
        var nodes = items.Where(i => i.IsNode).ToList();
        Assert.Equal((await tree.GetAllNodeBlocksAsync()).Cids.Order(), nodes.Select(n => n.Cid).Order());
        Assert.All(nodes, n => Assert.True(n.Cid.Matches(n.NodeBytes.Span)));

        // Pre-order: every node appears after the node that links to it.
        var seen = new HashSet<Cid>();
        foreach (var node in nodes)
        {
            var data = MstNodeData.Decode(node.NodeBytes);
            seen.Add(node.Cid);
            foreach (var child in data.Entries.Select(e => e.Right).Append(data.Left).OfType<Cid>())
            {
                Assert.DoesNotContain(child, seen);
            }
        }
    }

    [Fact]
    public async Task CoveringProofAsync_AbsentKey_LetsAConsumerProveAbsence()
    {
        var store = new BlockMap();
        var tree = await MstTestSupport.PersistAndReloadAsync(await MstTestSupport.BuildAsync(Enumerable.Range(0, 1_000).Select(i => PostKey(i * 2))), store);
        var present = PostKey(500);
        var absent = PostKey(501);
        var proof = await MstProofs.CoveringProofAsync(tree, [present, absent]);
        Assert.True(proof.Count < store.Count / 10);

        var partial = MstTree.Load(proof, await tree.GetRootCidAsync());
        Assert.Equal(MstTestSupport.ValueFor(present), await partial.GetAsync(present));
        Assert.Null(await partial.GetAsync(absent));
        // Both neighbours of the present key are provable from the proof alone.
        Assert.NotNull(await partial.GetAsync(PostKey(498)));
        Assert.NotNull(await partial.GetAsync(PostKey(502)));
    }

    [Fact]
    public async Task PathProofAsync_Key_ProvesValueWithOnlyThePath()
    {
        var tree = await MstTestSupport.PersistAndReloadAsync(await MstTestSupport.BuildAsync(Enumerable.Range(0, 3_000).Select(PostKey)), new BlockMap());
        var root = await tree.GetRootCidAsync();
        var proof = await MstProofs.PathProofAsync(tree, PostKey(1_234));
        Assert.InRange(proof.Count, 1, 12);
        Assert.Contains(root, proof.Cids);
        Assert.Equal(MstTestSupport.ValueFor(PostKey(1_234)), await MstTree.Load(proof, root).GetAsync(PostKey(1_234)));

        var absent = await MstProofs.PathProofAsync(tree, "app.bsky.feed.post/3k00000001234a");
        Assert.Null(await MstTree.Load(absent, root).GetAsync("app.bsky.feed.post/3k00000001234a"));
    }

    [Fact]
    public async Task InvertAsync_OpsDisagreeingWithTree_Throws()
    {
        var tree = await MstTestSupport.BuildAsync(Enumerable.Range(0, 10).Select(PostKey));
        var wrong = Cid.ForDagCbor([0xA0]);
        await Assert.ThrowsAsync<MstInversionException>(async () => await MstInversion.InvertAsync(tree, [RecordOp.Create(PostKey(1), wrong)]));
        await Assert.ThrowsAsync<MstInversionException>(async () => await MstInversion.InvertAsync(tree, [RecordOp.Delete(PostKey(1), wrong)]));
        await Assert.ThrowsAsync<MstInversionException>(async () =>
            await MstInversion.InvertAsync(tree, [RecordOp.Update(PostKey(2), MstTestSupport.ValueFor(PostKey(2)), wrong), RecordOp.Update(PostKey(2), wrong, wrong)]));
    }

    [Fact]
    public void RecordOp_MismatchedCids_Throws()
    {
        var cid = MstTestSupport.LeafValue;
        Assert.Throws<ArgumentException>(() => new RecordOp(RecordAction.Create, "a/b", null, null));
        Assert.Throws<ArgumentException>(() => new RecordOp(RecordAction.Create, "a/b", cid, cid));
        Assert.Throws<ArgumentException>(() => new RecordOp(RecordAction.Update, "a/b", cid, null));
        Assert.Throws<ArgumentException>(() => new RecordOp(RecordAction.Delete, "a/b", cid, cid));
        Assert.Equal(RecordAction.Delete, RecordOp.Delete("a/b", cid).Action);
    }
}
