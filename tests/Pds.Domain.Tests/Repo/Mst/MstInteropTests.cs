using System.Text.Json;
using Pds.Domain.Data;
using Pds.Domain.Repo;
using Pds.Domain.Repo.Mst;
using Pds.Domain.Tests.Interop;

namespace Pds.Domain.Tests.Repo.Mst;

/// <summary>The official MST vectors (every file of <see cref="InteropFiles.Mst"/>).</summary>
public sealed class MstInteropTests
{
    private const string CommonPrefixFile = "mst/common_prefix.json";
    private const string KeyHeightsFile = "mst/key_heights.json";
    private const string ExampleKeysFile = "mst/example_keys.txt";
    private const string CommitProofFile = "firehose/commit-proof-fixtures.json";

    [Fact]
    public void InteropFiles_MstList_IsExactlyTheFilesThisClassReads()
    {
        Assert.Equal([CommonPrefixFile, KeyHeightsFile, ExampleKeysFile, CommitProofFile], InteropFiles.Mst);
    }

    public static TheoryData<string, string, int> CommonPrefixCases()
    {
        var data = new TheoryData<string, string, int>();
        using var doc = JsonDocument.Parse(InteropFiles.ReadText(CommonPrefixFile));
        foreach (var c in doc.RootElement.EnumerateArray())
        {
            data.Add(c.GetProperty("left").GetString()!, c.GetProperty("right").GetString()!, c.GetProperty("len").GetInt32());
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CommonPrefixCases))]
    public void CommonPrefixLength_Vector_MatchesExpected(string left, string right, int expected)
    {
        Assert.Equal(expected, MstKey.CommonPrefixLength(left, right));
        Assert.Equal(expected, MstKey.CommonPrefixLength(System.Text.Encoding.UTF8.GetBytes(left), System.Text.Encoding.UTF8.GetBytes(right)));
    }

    public static TheoryData<string, int> KeyHeightCases()
    {
        var data = new TheoryData<string, int>();
        using var doc = JsonDocument.Parse(InteropFiles.ReadText(KeyHeightsFile));
        foreach (var c in doc.RootElement.EnumerateArray())
        {
            data.Add(c.GetProperty("key").GetString()!, c.GetProperty("height").GetInt32());
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(KeyHeightCases))]
    public void Height_Vector_MatchesExpected(string key, int expected)
    {
        Assert.Equal(expected, MstKey.Height(key));
    }

    [Fact]
    public async Task ExampleKeys_BuiltInAnyOrder_GiveOneCanonicalTreeHoldingEveryKey()
    {
        var keys = InteropFiles.ReadVectorLines(ExampleKeysFile).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        Assert.True(keys.Count > 100);
        Assert.All(keys, k => Assert.True(MstKey.IsValid(k), k));

        var sorted = keys.Order(StringComparer.Ordinal).ToList();
        var forward = await MstTestSupport.BuildAsync(sorted, MstTestSupport.LeafValue);
        var backward = await MstTestSupport.BuildAsync(Enumerable.Reverse(sorted), MstTestSupport.LeafValue);
        var shuffled = await MstTestSupport.BuildAsync(sorted.OrderBy(k => k.GetHashCode(StringComparison.Ordinal)), MstTestSupport.LeafValue);
        var root = await forward.GetRootCidAsync();
        Assert.Equal(root, await backward.GetRootCidAsync());
        Assert.Equal(root, await shuffled.GetRootCidAsync());

        // The example keys are named for their depth ("A2/..." sits at depth 2): the tree agrees.
        foreach (var key in keys)
        {
            Assert.Equal(key[1] - '0', MstKey.Height(key));
        }

        var reloaded = await MstTestSupport.PersistAndReloadAsync(forward, new BlockMap());
        var walked = await MstTestSupport.WalkAllAsync(reloaded);
        Assert.Equal(sorted, walked.Select(e => e.Key));
    }

    public static TheoryData<string> CommitProofCases()
    {
        var data = new TheoryData<string>();
        using var doc = JsonDocument.Parse(InteropFiles.ReadText(CommitProofFile));
        foreach (var c in doc.RootElement.EnumerateArray())
        {
            data.Add(c.GetProperty("comment").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CommitProofCases))]
    public async Task CommitProof_Fixture_RootsProofAndInversionMatch(string comment)
    {
        using var doc = JsonDocument.Parse(InteropFiles.ReadText(CommitProofFile));
        var fixture = doc.RootElement.EnumerateArray().Single(c => c.GetProperty("comment").GetString() == comment);
        var leaf = Cid.Parse(fixture.GetProperty("leafValue").GetString()!);
        var keys = Strings(fixture, "keys");
        var adds = Strings(fixture, "adds");
        var dels = Strings(fixture, "dels");

        var store = new BlockMap();
        var before = await MstTestSupport.BuildAsync(keys, leaf, store);
        Assert.Equal(fixture.GetProperty("rootBeforeCommit").GetString(), (await before.GetRootCidAsync()).ToString());

        // Commit: apply the ops to the stored tree, loaded lazily as a PDS would.
        var tree = await MstTestSupport.PersistAndReloadAsync(before, store);
        var ops = new List<RecordOp>();
        foreach (var key in adds)
        {
            tree = await tree.AddAsync(key, leaf);
            ops.Add(RecordOp.Create(key, leaf));
        }

        foreach (var key in dels)
        {
            tree = await tree.DeleteAsync(key);
            ops.Add(RecordOp.Delete(key, leaf));
        }

        var after = await tree.GetRootCidAsync();
        Assert.Equal(fixture.GetProperty("rootAfterCommit").GetString(), after.ToString());

        var proof = await MstProofs.ForCommitAsync(tree, ops);
        var expected = Strings(fixture, "blocksInProof").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, proof.Cids.Select(c => c.ToString()).Order(StringComparer.Ordinal).ToList());

        // A consumer holding only the proof blocks inverts the ops, in every order, back to the old root.
        foreach (var order in Permutations(ops))
        {
            var partial = MstTree.Load(proof, after);
            var inverted = await MstInversion.InvertAsync(partial, order);
            Assert.Equal(fixture.GetProperty("rootBeforeCommit").GetString(), (await inverted.GetRootCidAsync()).ToString());
        }

        Assert.True(await MstInversion.VerifyAsync(MstTree.Load(proof, after), ops, await before.GetRootCidAsync()));
    }

    private static List<string> Strings(JsonElement fixture, string name) =>
        fixture.GetProperty(name).EnumerateArray().Select(e => e.GetString()!).ToList();

    private static IEnumerable<List<T>> Permutations<T>(List<T> items)
    {
        if (items.Count <= 1)
        {
            yield return items;
            yield break;
        }

        for (var i = 0; i < items.Count; i++)
        {
            var rest = items.Where((_, j) => j != i).ToList();
            foreach (var p in Permutations(rest))
            {
                p.Insert(0, items[i]);
                yield return p;
            }
        }
    }
}
