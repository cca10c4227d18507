using CsCheck;
using Pds.Domain.Data;
using Pds.Domain.Repo;
using Pds.Domain.Repo.Mst;

namespace Pds.Domain.Tests.Repo.Mst;

/// <summary>Random operation sequences against a sorted-dictionary model.</summary>
public sealed class MstPropertyTests
{
    private static readonly string[] Collections = ["app.bsky.feed.like", "app.bsky.feed.post", "app.bsky.graph.follow", "com.example.x"];

    private static string KeyOf(int index) => $"{Collections[index % Collections.Length]}/3k{(uint)(index * 2654435761u) % 1_000_000_000:D9}";

    private static Cid ValueOf(int seed) => MstTestSupport.ValueFor("v" + seed);

    private static readonly Gen<(int[] Initial, (int Key, int Kind, int Value)[] Ops, int Seed)> Scenario =
        Gen.Select(
            Gen.Int[0, 999].Array[300, 400],
            Gen.Select(Gen.Int[0, 1_199], Gen.Int[0, 9], Gen.Int[0, 1_000_000]).Array[200, 400],
            Gen.Int);

    [Fact]
    public async Task RandomOps_RootListingAndDiff_MatchModel()
    {
        await Scenario.SampleAsync(async scenario =>
        {
            var (initial, ops, seed) = scenario;
            var store = new BlockMap();
            var model = new SortedDictionary<string, Cid>(StringComparer.Ordinal);
            var tree = MstTree.Empty(store);
            foreach (var i in initial)
            {
                var key = KeyOf(i);
                if (model.TryAdd(key, ValueOf(i)))
                {
                    tree = await tree.AddAsync(key, model[key]);
                }
                else
                {
                    await Assert.ThrowsAsync<MstKeyExistsException>(async () => await tree.AddAsync(key, ValueOf(i)));
                }
            }

            Assert.True(model.Count >= 200);
            var midModel = new SortedDictionary<string, Cid>(model, StringComparer.Ordinal);
            tree = await MstTestSupport.PersistAndReloadAsync(tree, store);
            var midTree = tree;

            var step = 0;
            foreach (var (k, kind, v) in ops)
            {
                var key = KeyOf(k);
                if (!model.ContainsKey(key))
                {
                    if (kind < 2)
                    {
                        await Assert.ThrowsAsync<MstKeyNotFoundException>(async () => await tree.DeleteAsync(key));
                    }

                    model[key] = ValueOf(v);
                    tree = await tree.AddAsync(key, model[key]);
                }
                else if (kind < 5)
                {
                    model[key] = ValueOf(v);
                    tree = await tree.UpdateAsync(key, model[key]);
                }
                else
                {
                    model.Remove(key);
                    tree = await tree.DeleteAsync(key);
                }

                // Mix lazily loaded and in-memory nodes.
                if (++step % 97 == 0)
                {
                    tree = await MstTestSupport.PersistAndReloadAsync(tree, store);
                }
            }

            var root = await tree.GetRootCidAsync();
            var sorted = await MstTestSupport.BuildAsync(model);
            Assert.Equal(root, await sorted.GetRootCidAsync());
            var random = new Random(seed);
            var shuffled = await MstTestSupport.BuildAsync(model.OrderBy(_ => random.Next()));
            Assert.Equal(root, await shuffled.GetRootCidAsync());

            var listed = await tree.ListAsync();
            Assert.Equal(model.Select(e => new MstEntry(e.Key, e.Value)), listed);
            foreach (var (key, value) in model)
            {
                Assert.Equal(value, await tree.GetAsync(key));
            }

            var keys = model.Keys.ToList();
            var lo = keys[random.Next(keys.Count)];
            var hi = keys[random.Next(keys.Count)];
            var range = await tree.ListAsync(after: lo, before: hi, limit: 50);
            Assert.Equal(
                keys.Where(x => string.CompareOrdinal(x, lo) > 0 && string.CompareOrdinal(x, hi) < 0).Take(50),
                range.Select(e => e.Key));
            var reverse = await tree.ListAsync(from: lo, limit: 30, reverse: true);
            Assert.Equal(
                keys.Where(x => string.CompareOrdinal(x, lo) >= 0).Reverse().Take(30),
                reverse.Select(e => e.Key));

            var diff = await MstDiff.DiffAsync(midTree, tree);
            Assert.Equal(
                model.Where(e => !midModel.ContainsKey(e.Key)).Select(e => new MstEntry(e.Key, e.Value)),
                diff.Adds);
            Assert.Equal(
                model.Where(e => midModel.TryGetValue(e.Key, out var p) && !p.Equals(e.Value)).Select(e => new MstUpdate(e.Key, midModel[e.Key], e.Value)),
                diff.Updates);
            Assert.Equal(
                midModel.Where(e => !model.ContainsKey(e.Key)).Select(e => new MstEntry(e.Key, e.Value)),
                diff.Deletes);

            // The old tree's blocks plus the diff's new blocks hold the whole new tree; removed nodes are gone from it.
            var oldBlocks = await midTree.GetAllNodeBlocksAsync();
            var newBlocks = await tree.GetAllNodeBlocksAsync();
            Assert.All(newBlocks.Cids, c => Assert.True(oldBlocks.Contains(c) || diff.NewBlocks.Contains(c)));
            Assert.All(diff.NewBlocks.Cids, c => Assert.True(newBlocks.Contains(c)));
            Assert.All(diff.RemovedCids, c => Assert.True(oldBlocks.Contains(c) && !newBlocks.Contains(c)));
            Assert.All(oldBlocks.Cids, c => Assert.True(newBlocks.Contains(c) || diff.RemovedCids.Contains(c)));
        }, iter: 6, threads: 1);
    }

    [Fact]
    public async Task RandomCommits_ProofBlocksAlone_InvertToPreviousRoot()
    {
        var gen = Gen.Select(Gen.Int[0, 999].Array[200, 300], Gen.Select(Gen.Int[0, 1_199], Gen.Int[0, 9]).Array[1, 8]);
        await gen.SampleAsync(async (initial, ops) =>
        {
            var store = new BlockMap();
            var tree = MstTree.Empty(store);
            foreach (var i in initial.Distinct())
            {
                tree = await tree.AddAsync(KeyOf(i), ValueOf(i));
            }

            tree = await MstTestSupport.PersistAndReloadAsync(tree, store);
            var prevData = await tree.GetRootCidAsync();
            var recordOps = new List<RecordOp>();
            var touched = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (k, kind) in ops)
            {
                var key = KeyOf(k);
                if (!touched.Add(key))
                {
                    continue;
                }

                var current = await tree.GetAsync(key);
                if (current is null)
                {
                    tree = await tree.AddAsync(key, ValueOf(k + 7));
                    recordOps.Add(RecordOp.Create(key, ValueOf(k + 7)));
                }
                else if (kind < 5)
                {
                    tree = await tree.UpdateAsync(key, ValueOf(k + 9));
                    recordOps.Add(RecordOp.Update(key, ValueOf(k + 9), current));
                }
                else
                {
                    tree = await tree.DeleteAsync(key);
                    recordOps.Add(RecordOp.Delete(key, current));
                }
            }

            var proof = await MstProofs.ForCommitAsync(tree, recordOps);
            var partial = MstTree.Load(proof, await tree.GetRootCidAsync());
            Assert.True(await MstInversion.VerifyAsync(partial, Enumerable.Reverse(recordOps), prevData));
            Assert.True(await MstInversion.VerifyAsync(MstTree.Load(proof, await tree.GetRootCidAsync()), recordOps, prevData));
        }, iter: 40, threads: 1);
    }
}
