using Pds.Domain.Repo;
using Pds.Domain.Repo.Mst;

namespace Pds.Domain.Tests.Repo.Mst;

public sealed class MstDiffTests
{
    private static string Key(int i) => $"app.bsky.feed.post/3k{i:D11}";

    [Fact]
    public async Task DiffAsync_FromNothing_AddsEveryKeyAndEveryNode()
    {
        var tree = await MstTestSupport.BuildAsync(Enumerable.Range(0, 300).Select(Key));
        var diff = await MstDiff.DiffAsync(null, tree);
        Assert.Equal(Enumerable.Range(0, 300).Select(Key), diff.Adds.Select(a => a.Key));
        Assert.Empty(diff.Updates);
        Assert.Empty(diff.Deletes);
        Assert.Empty(diff.RemovedCids);
        var all = await tree.GetAllNodeBlocksAsync();
        Assert.Equal(all.Cids.Order(), diff.NewBlocks.Cids.Order());
    }

    [Fact]
    public async Task DiffAsync_IdenticalTrees_IsEmptyAndReadsNothingBelowTheRoot()
    {
        var store = new BlockMap();
        var tree = await MstTestSupport.PersistAndReloadAsync(await MstTestSupport.BuildAsync(Enumerable.Range(0, 1_000).Select(Key)), store);
        var counting = new CountingBlockSource(store);
        var a = MstTree.Load(counting, await tree.GetRootCidAsync());
        var b = MstTree.Load(counting, await tree.GetRootCidAsync());
        var diff = await MstDiff.DiffAsync(a, b);
        Assert.Empty(diff.Adds);
        Assert.Empty(diff.Updates);
        Assert.Empty(diff.Deletes);
        Assert.Empty(diff.NewBlocks);
        Assert.Empty(diff.RemovedCids);
        Assert.Equal(2, counting.Reads);
    }

    [Fact]
    public async Task DiffAsync_SmallChangeInLargeTree_ReportsItAndReadsFewNodes()
    {
        var store = new BlockMap();
        var old = await MstTestSupport.PersistAndReloadAsync(await MstTestSupport.BuildAsync(Enumerable.Range(0, 5_000).Select(Key)), store);
        var changed = await (await (await old.AddAsync(Key(9_999), MstTestSupport.LeafValue))
            .UpdateAsync(Key(42), MstTestSupport.LeafValue)).DeleteAsync(Key(4_000));
        var newStore = new BlockMap();
        newStore.AddAll(store);
        newStore.AddAll(await changed.GetUnstoredBlocksAsync());

        var counting = new CountingBlockSource(newStore);
        var diff = await MstDiff.DiffAsync(MstTree.Load(counting, await old.GetRootCidAsync()), MstTree.Load(counting, await changed.GetRootCidAsync()));
        Assert.Equal([new MstEntry(Key(9_999), MstTestSupport.LeafValue)], diff.Adds);
        Assert.Equal([new MstUpdate(Key(42), MstTestSupport.ValueFor(Key(42)), MstTestSupport.LeafValue)], diff.Updates);
        Assert.Equal([new MstEntry(Key(4_000), MstTestSupport.ValueFor(Key(4_000)))], diff.Deletes);
        Assert.InRange(counting.Reads, 1, 60);
        Assert.Equal((await changed.GetUnstoredBlocksAsync()).Cids.Order(), diff.NewBlocks.Cids.Order());
        Assert.All(diff.RemovedCids, c => Assert.False(diff.NewBlocks.Contains(c)));
        Assert.NotEmpty(diff.RemovedCids);
    }

    [Theory]
    [InlineData(0, 500)]
    [InlineData(500, 0)]
    [InlineData(3, 2_000)]
    [InlineData(2_000, 3)]
    public async Task DiffAsync_TreesOfDifferentHeights_MatchesSetDifference(int oldCount, int newCount)
    {
        // Overlapping key ranges with some values changed, so adds, updates and deletes all occur.
        var oldEntries = Enumerable.Range(0, oldCount).ToDictionary(Key, i => MstTestSupport.ValueFor("old" + (i % 3 == 0 ? i : 0) + Key(i)));
        var newEntries = Enumerable.Range(oldCount / 2, newCount).ToDictionary(Key, i => MstTestSupport.ValueFor((i % 3 == 0 ? "new" + i : "old0") + Key(i)));
        var oldTree = await MstTestSupport.BuildAsync(oldEntries);
        var newTree = await MstTestSupport.BuildAsync(newEntries);

        var diff = await MstDiff.DiffAsync(oldTree, newTree);

        Assert.Equal(newEntries.Where(e => !oldEntries.ContainsKey(e.Key)).Select(e => e.Key).Order(StringComparer.Ordinal), diff.Adds.Select(a => a.Key));
        Assert.Equal(oldEntries.Where(e => !newEntries.ContainsKey(e.Key)).Select(e => e.Key).Order(StringComparer.Ordinal), diff.Deletes.Select(a => a.Key));
        Assert.Equal(
            newEntries.Where(e => oldEntries.TryGetValue(e.Key, out var p) && !p.Equals(e.Value)).Select(e => e.Key).Order(StringComparer.Ordinal),
            diff.Updates.Select(u => u.Key));
        var oldNodes = await oldTree.GetAllNodeBlocksAsync();
        var newNodes = await newTree.GetAllNodeBlocksAsync();
        Assert.Equal(newNodes.Cids.Where(c => !oldNodes.Contains(c)).Order(), diff.NewBlocks.Cids.Order());
        Assert.Equal(oldNodes.Cids.Where(c => !newNodes.Contains(c)).Order(), diff.RemovedCids.Order());
    }
}
