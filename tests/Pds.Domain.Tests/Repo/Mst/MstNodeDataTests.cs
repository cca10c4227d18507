using System.Formats.Cbor;
using Pds.Domain.Data;
using Pds.Domain.Repo;
using Pds.Domain.Repo.Mst;

namespace Pds.Domain.Tests.Repo.Mst;

public sealed class MstNodeDataTests
{
    private static readonly Cid Value = MstTestSupport.LeafValue;
    private static readonly Cid Child = Cid.ForDagCbor([0xA0]);

    /// <summary>The same node written through the generic data-model encoder.</summary>
    private static byte[] ViaDataModel(Cid? left, params (int P, string K, Cid V, Cid? T)[] entries)
    {
        var list = entries.Select(e => (LexValue)LexValue.Map(
            ("p", (long)e.P),
            ("k", System.Text.Encoding.ASCII.GetBytes(e.K)),
            ("v", e.V),
            ("t", e.T is null ? LexValue.Null : e.T))).ToArray();
        return DagCbor.Encode(LexValue.Map(("l", left is null ? LexValue.Null : left), ("e", LexValue.Array(list))));
    }

    [Fact]
    public void Encode_PrefixCompressedNode_MatchesGenericDagCbor()
    {
        var node = new MstNodeData(Child,
        [
            new MstNodeEntry("com.example.record/3jqfcqzm3fo2j", Value, null),
            new MstNodeEntry("com.example.record/3jqfcqzm3fp2j", Value, Child),
            new MstNodeEntry("com.example.zz/a", Value, null),
        ]);
        var expected = ViaDataModel(Child,
            (0, "com.example.record/3jqfcqzm3fo2j", Value, null),
            (29, "p2j", Value, Child),
            (12, "zz/a", Value, null));
        Assert.Equal(expected, node.Encode());
    }

    [Fact]
    public void Decode_EncodedNode_RoundTrips()
    {
        var keys = new[] { "com.example.record/3jqfcqzm3fn2j", "com.example.record/3jqfcqzm3fo2j", "com.example.record/3jqfcqzm3fp2j" };
        var node = new MstNodeData(Child, keys.Select(k => new MstNodeEntry(k, Value, k.EndsWith("o2j", StringComparison.Ordinal) ? Child : null)).ToArray());
        var decoded = MstNodeData.Decode(node.Encode());
        Assert.Equal(Child, decoded.Left);
        Assert.Equal(keys, decoded.Entries.Select(e => e.Key));
        Assert.Equal([null, Child, null], decoded.Entries.Select(e => e.Right));
        Assert.Equal(0, decoded.Layer);
    }

    [Fact]
    public void Decode_UnsortedKeys_Throws()
    {
        var bytes = ViaDataModel(null, (0, "a/c", Value, null), (2, "b", Value, null));
        Assert.Throws<MstException>(() => MstNodeData.Decode(bytes));
    }

    [Fact]
    public void Decode_PrefixLengthNotMaximal_Throws()
    {
        // "a/b" then "a/c" written with p = 0 and the full key: valid keys, but compression is mandatory.
        var bytes = ViaDataModel(null, (0, "a/b", Value, null), (0, "a/c", Value, null));
        Assert.Throws<MstException>(() => MstNodeData.Decode(bytes));
    }

    [Fact]
    public void Decode_PrefixLongerThanPreviousKey_Throws()
    {
        var bytes = ViaDataModel(null, (0, "a/b", Value, null), (9, "c", Value, null));
        Assert.Throws<MstException>(() => MstNodeData.Decode(bytes));
    }

    [Fact]
    public void Decode_FirstEntryWithPrefix_Throws()
    {
        var bytes = ViaDataModel(null, (1, "a/b", Value, null));
        Assert.Throws<MstException>(() => MstNodeData.Decode(bytes));
    }

    [Fact]
    public void Decode_InvalidKey_Throws()
    {
        var bytes = ViaDataModel(null, (0, "no-slash", Value, null));
        Assert.Throws<MstException>(() => MstNodeData.Decode(bytes));
    }

    [Fact]
    public void Decode_KeysOfDifferentDepths_Throws()
    {
        const string depth0 = "com.example.record/3jqfcqzm3fn2j";
        const string depth1 = "com.example.record/3jqfcqzm3fs2j";
        var bytes = ViaDataModel(null, (0, depth0, Value, null), (29, "s2j", Value, null));
        Assert.NotEqual(MstKey.Height(depth0), MstKey.Height(depth1));
        Assert.Throws<MstException>(() => MstNodeData.Decode(bytes));
    }

    [Fact]
    public void Decode_MissingLeftField_Throws()
    {
        var bytes = DagCbor.Encode(LexValue.Map(("e", LexValue.Array())));
        Assert.Throws<MstException>(() => MstNodeData.Decode(bytes));
    }

    [Fact]
    public void Decode_ExtraEntryField_Throws()
    {
        var entry = LexValue.Map(("p", 0L), ("k", System.Text.Encoding.ASCII.GetBytes("a/b")), ("v", Value), ("t", LexValue.Null), ("x", 1L));
        var bytes = DagCbor.Encode(LexValue.Map(("l", LexValue.Null), ("e", LexValue.Array(entry))));
        Assert.Throws<MstException>(() => MstNodeData.Decode(bytes));
    }

    [Fact]
    public void Decode_SubtreeLinkNotDagCbor_Throws()
    {
        var rawLink = Cid.ForRaw([1, 2, 3]);
        var bytes = ViaDataModel(rawLink, (0, "a/b", Value, null));
        Assert.Throws<MstException>(() => MstNodeData.Decode(bytes));
    }

    [Fact]
    public void Decode_TrailingGarbage_Throws()
    {
        var bytes = ViaDataModel(null, (0, "a/b", Value, null)).Append((byte)0).ToArray();
        Assert.Throws<MstException>(() => MstNodeData.Decode(bytes));
    }

    [Fact]
    public void Decode_EveryTruncationAndByteFlip_ThrowsMstExceptionOnly()
    {
        var bytes = new MstNodeData(Child,
        [
            new MstNodeEntry("com.example.record/3jqfcqzm3fo2j", Value, null),
            new MstNodeEntry("com.example.record/3jqfcqzm3fp2j", Value, Child),
        ]).Encode();
        for (var n = 0; n < bytes.Length; n++)
        {
            Assert.Throws<MstException>(() => MstNodeData.Decode(bytes.AsMemory(0, n)));
        }

        // Flipping any structural byte must never crash the decoder with anything but MstException.
        for (var i = 0; i < bytes.Length; i++)
        {
            var copy = (byte[])bytes.Clone();
            copy[i] ^= 0xFF;
            try
            {
                MstNodeData.Decode(copy);
            }
            catch (MstException)
            {
            }
        }
    }

    [Fact]
    public void Decode_IndefiniteLengthArray_Throws()
    {
        var canonical = ViaDataModel(null);
        // {e: [], l: null} with the empty array written as indefinite-length (0x9F 0xFF).
        var indefinite = new byte[] { 0xA2, 0x61, (byte)'e', 0x9F, 0xFF, 0x61, (byte)'l', 0xF6 };
        Assert.Empty(MstNodeData.Decode(canonical).Entries);
        Assert.Throws<MstException>(() => MstNodeData.Decode(indefinite));
    }

    [Fact]
    public void Decode_NonCanonicalIntegerForPrefix_Throws()
    {
        // p written as a two-byte integer (0x18 0x00) instead of the one-byte 0x00.
        var writer = new CborWriter(CborConformanceMode.Lax);
        writer.WriteStartMap(2);
        writer.WriteTextString("e");
        writer.WriteStartArray(1);
        writer.WriteStartMap(4);
        writer.WriteTextString("k");
        writer.WriteByteString("a/b"u8);
        writer.WriteTextString("p");
        writer.WriteEncodedValue(new byte[] { 0x18, 0x00 });
        writer.WriteTextString("t");
        writer.WriteNull();
        writer.WriteTextString("v");
        DagCbor.WriteCid(writer, Value);
        writer.WriteEndMap();
        writer.WriteEndArray();
        writer.WriteTextString("l");
        writer.WriteNull();
        writer.WriteEndMap();
        Assert.Throws<MstException>(() => MstNodeData.Decode(writer.Encode()));
    }

    [Fact]
    public async Task Load_EmptyNodeBelowRoot_Throws()
    {
        var store = new BlockMap();
        var empty = new MstNodeData(null, []).Encode();
        var emptyCid = Cid.ForDagCbor(empty);
        store.Set(emptyCid, empty);
        // A depth-1 key whose left subtree is an empty node.
        const string key = "com.example.record/3jqfcqzm3fs2j";
        var parent = new MstNodeData(emptyCid, [new MstNodeEntry(key, Value, null)]).Encode();
        var parentCid = Cid.ForDagCbor(parent);
        store.Set(parentCid, parent);

        var tree = MstTree.Load(store, parentCid);
        await Assert.ThrowsAsync<MstException>(async () => await tree.GetAsync("com.example.record/3jqfcqzm3fa2j"));
    }

    [Fact]
    public async Task Load_RootEmptyNodePointingToSubtree_Throws()
    {
        var store = new BlockMap();
        var leafNode = new MstNodeData(null, [new MstNodeEntry("com.example.record/3jqfcqzm3fn2j", Value, null)]).Encode();
        var leafCid = Cid.ForDagCbor(leafNode);
        store.Set(leafCid, leafNode);
        var top = new MstNodeData(leafCid, []).Encode();
        var topCid = Cid.ForDagCbor(top);
        store.Set(topCid, top);

        await Assert.ThrowsAsync<MstException>(async () => await MstTree.Load(store, topCid).GetAsync("com.example.record/x"));
    }

    [Fact]
    public async Task Load_ChildAtWrongDepth_Throws()
    {
        var store = new BlockMap();
        // Both keys are depth 0, but one node links to the other as a subtree.
        var child = new MstNodeData(null, [new MstNodeEntry("com.example.record/3jqfcqzm3fn2j", Value, null)]).Encode();
        var childCid = Cid.ForDagCbor(child);
        store.Set(childCid, child);
        var parent = new MstNodeData(null, [new MstNodeEntry("com.example.record/3jqfcqzm3fo2j", Value, childCid)]).Encode();
        var parentCid = Cid.ForDagCbor(parent);
        store.Set(parentCid, parent);

        await Assert.ThrowsAsync<MstException>(async () => await MstTree.Load(store, parentCid).GetAsync("com.example.record/3jqfcqzm3fz2j"));
    }

    [Fact]
    public async Task Load_BlockNotMatchingCid_Throws()
    {
        var store = new BlockMap();
        var node = new MstNodeData(null, [new MstNodeEntry("a/b", Value, null)]).Encode();
        var wrongCid = Cid.ForDagCbor([0xA0]);
        store.Set(wrongCid, node);
        await Assert.ThrowsAsync<MstException>(async () => await MstTree.Load(store, wrongCid).GetAsync("a/b"));
    }

    [Fact]
    public async Task Load_MissingBlock_ThrowsMissingBlock()
    {
        var cid = Cid.ForDagCbor([0xA0]);
        var ex = await Assert.ThrowsAsync<MissingBlockException>(async () => await MstTree.Load(new BlockMap(), cid).GetAsync("a/b"));
        Assert.Equal(cid, ex.Cid);
    }
}
