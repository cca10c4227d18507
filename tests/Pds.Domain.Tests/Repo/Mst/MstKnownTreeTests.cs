using Pds.Domain.Repo;
using Pds.Domain.Repo.Mst;

namespace Pds.Domain.Tests.Repo.Mst;

/// <summary>
/// Root CIDs of small trees published with the reference implementation's interop tests
/// (every leaf value is <see cref="MstTestSupport.LeafValue"/>): layer splits, trimming and growth.
/// </summary>
public sealed class MstKnownTreeTests
{
    private const string P = "com.example.record/";

    [Fact]
    public async Task Empty_RootCid_IsTheKnownEmptyNode()
    {
        var tree = MstTree.Empty(new BlockMap());
        Assert.Equal("bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm", (await tree.GetRootCidAsync()).ToString());
    }

    [Theory]
    [InlineData("3jqfcqzm3fo2j", "bafyreibj4lsc3aqnrvphp5xmrnfoorvru4wynt6lwidqbm2623a6tatzdu")]
    [InlineData("3jqfcqzm3fx2j", "bafyreih7wfei65pxzhauoibu3ls7jgmkju4bspy4t2ha2qdjnzqvoy33ai")]
    public async Task SingleKey_RootCid_MatchesKnown(string rkey, string expected)
    {
        var tree = await MstTestSupport.BuildAsync([P + rkey], MstTestSupport.LeafValue);
        Assert.Equal(expected, (await tree.GetRootCidAsync()).ToString());
    }

    [Fact]
    public async Task FiveKeysOnTwoLayers_RootCid_MatchesKnown()
    {
        var tree = await MstTestSupport.BuildAsync(
            [P + "3jqfcqzm3fp2j", P + "3jqfcqzm3fr2j", P + "3jqfcqzm3fs2j", P + "3jqfcqzm3ft2j", P + "3jqfcqzm4fc2j"],
            MstTestSupport.LeafValue);
        Assert.Equal("bafyreicmahysq4n6wfuxo522m6dpiy7z7qzym3dzs756t5n7nfdgccwq7m", (await tree.GetRootCidAsync()).ToString());
    }

    [Fact]
    public async Task DeleteOnlyUpperKey_TrimsTopOfTree()
    {
        var tree = await MstTestSupport.BuildAsync(
            new[] { "3jqfcqzm3fn2j", "3jqfcqzm3fo2j", "3jqfcqzm3fp2j", "3jqfcqzm3fs2j", "3jqfcqzm3ft2j", "3jqfcqzm3fu2j" }.Select(k => P + k),
            MstTestSupport.LeafValue);
        Assert.Equal("bafyreifnqrwbk6ffmyaz5qtujqrzf5qmxf7cbxvgzktl4e3gabuxbtatv4", (await tree.GetRootCidAsync()).ToString());

        // Reload from blocks so the trim works over lazily read nodes.
        var reloaded = await MstTestSupport.PersistAndReloadAsync(tree, new BlockMap());
        var trimmed = await reloaded.DeleteAsync(P + "3jqfcqzm3fs2j");
        Assert.Equal("bafyreie4kjuxbwkhzg2i5dljaswcroeih4dgiqq6pazcmunwt2byd725vi", (await trimmed.GetRootCidAsync()).ToString());
    }

    [Fact]
    public async Task InsertTwoLayersAboveLeaves_SplitsTwoLayersDown_AndDeleteRestores()
    {
        var tree = await MstTestSupport.BuildAsync(
            new[]
            {
                "3jqfcqzm3fo2j", "3jqfcqzm3fp2j", "3jqfcqzm3fr2j", "3jqfcqzm3fs2j", "3jqfcqzm3ft2j", "3jqfcqzm3fz2j",
                "3jqfcqzm4fc2j", "3jqfcqzm4fd2j", "3jqfcqzm4ff2j", "3jqfcqzm4fg2j", "3jqfcqzm4fh2j",
            }.Select(k => P + k),
            MstTestSupport.LeafValue);
        const string before = "bafyreiettyludka6fpgp33stwxfuwhkzlur6chs4d2v4nkmq2j3ogpdjem";
        Assert.Equal(before, (await tree.GetRootCidAsync()).ToString());

        tree = await tree.AddAsync(P + "3jqfcqzm3fx2j", MstTestSupport.LeafValue);
        Assert.Equal("bafyreid2x5eqs4w4qxvc5jiwda4cien3gw2q6cshofxwnvv7iucrmfohpm", (await tree.GetRootCidAsync()).ToString());

        tree = await tree.DeleteAsync(P + "3jqfcqzm3fx2j");
        Assert.Equal(before, (await tree.GetRootCidAsync()).ToString());
    }

    [Fact]
    public async Task InsertTwoLayersAboveRoot_AddsEmptyIntermediateNodes()
    {
        var tree = await MstTestSupport.BuildAsync([P + "3jqfcqzm3ft2j", P + "3jqfcqzm3fz2j"], MstTestSupport.LeafValue);
        const string before = "bafyreidfcktqnfmykz2ps3dbul35pepleq7kvv526g47xahuz3rqtptmky";
        Assert.Equal(before, (await tree.GetRootCidAsync()).ToString());

        tree = await tree.AddAsync(P + "3jqfcqzm3fx2j", MstTestSupport.LeafValue);
        Assert.Equal("bafyreiavxaxdz7o7rbvr3zg2liox2yww46t7g6hkehx4i4h3lwudly7dhy", (await tree.GetRootCidAsync()).ToString());

        tree = await tree.DeleteAsync(P + "3jqfcqzm3fx2j");
        Assert.Equal(before, (await tree.GetRootCidAsync()).ToString());

        tree = await tree.AddAsync(P + "3jqfcqzm3fx2j", MstTestSupport.LeafValue);
        tree = await tree.AddAsync(P + "3jqfcqzm4fd2j", MstTestSupport.LeafValue);
        Assert.Equal("bafyreig4jv3vuajbsybhyvb7gggvpwh2zszwfyttjrj6qwvcsp24h6popu", (await tree.GetRootCidAsync()).ToString());
    }

    [Theory]
    [InlineData("3jqfcqzm3fn2j", 0)]
    [InlineData("3jqfcqzm3fs2j", 1)]
    [InlineData("3jqfcqzm4fd2j", 1)]
    [InlineData("3jqfcqzm3fx2j", 2)]
    public void Height_ReferenceTreeKeys_MatchLayers(string rkey, int height)
    {
        Assert.Equal(height, MstKey.Height(P + rkey));
    }
}
