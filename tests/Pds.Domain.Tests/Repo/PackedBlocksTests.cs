using Pds.Domain.Data;
using Pds.Domain.Repo;

namespace Pds.Domain.Tests.Repo;

public sealed class PackedBlocksTests
{
    private static byte[] Block(int i, int size)
    {
        var bytes = new byte[size];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes, i);
        bytes.AsSpan(4).Fill((byte)i);
        return bytes;
    }

    [Fact]
    public async Task ManyBlocks_EachFoundWithItsOwnBytes_InTheOrderAdded()
    {
        // Enough blocks to fill several shared buffers and grow the index many times.
        var blocks = Enumerable.Range(0, 20_000).Select(i => Block(i, 40 + (i % 300))).Select(b => (Cid: Cid.ForDagCbor(b), Bytes: b)).ToList();
        var packed = new PackedBlocks();
        foreach (var (cid, bytes) in blocks)
        {
            Assert.True(packed.Add(cid, bytes));
        }

        Assert.Equal(blocks.Count, packed.Count);
        Assert.Equal(blocks.Sum(b => (long)b.Bytes.Length), packed.ByteSize);
        foreach (var (cid, bytes) in blocks)
        {
            Assert.True(packed.Contains(cid));
            Assert.True(packed.TryGet(cid, out var found));
            Assert.Equal(bytes, found.ToArray());
            Assert.Equal(bytes, (await packed.GetBlockAsync(cid))!.Value.ToArray());
        }

        Assert.Equal(blocks.Select(b => b.Cid), packed.Cids);
        Assert.Equal(blocks.Select(b => b.Bytes), packed.Select(kv => kv.Value.ToArray()));
        foreach (var i in new[] { 0, 1, 4_321, blocks.Count - 1 })
        {
            Assert.Equal(i, packed.IndexOf(blocks[i].Cid));
            Assert.Equal(blocks[i].Cid, packed.CidAt(i));
            Assert.Equal(blocks[i].Bytes, packed.DataAt(i).ToArray());
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => packed.CidAt(blocks.Count));
        Assert.Throws<ArgumentOutOfRangeException>(() => packed.DataAt(-1));
    }

    [Fact]
    public void Add_SameCidAgain_KeepsTheFirstAndSaysSo()
    {
        var bytes = Block(1, 64);
        var cid = Cid.ForDagCbor(bytes);
        var packed = new PackedBlocks();
        Assert.True(packed.Add(cid, bytes));
        Assert.False(packed.Add(Cid.Parse(cid.ToString()), bytes));
        Assert.Equal(1, packed.Count);
        Assert.Equal(64, packed.ByteSize);
        Assert.Single(packed);
    }

    [Fact]
    public async Task Absent_NotFound()
    {
        var packed = new PackedBlocks();
        var present = Block(1, 64);
        packed.Add(Cid.ForDagCbor(present), present);
        var absent = Cid.ForDagCbor(Block(2, 64));

        Assert.False(packed.Contains(absent));
        Assert.Equal(-1, packed.IndexOf(absent));
        Assert.False(packed.TryGet(absent, out _));
        Assert.Null(await packed.GetBlockAsync(absent));

        // The same digest under another codec is another CID.
        Assert.False(packed.Contains(Cid.ForRaw(present)));
    }

    [Fact]
    public void Add_CopiesTheBytes_AndTakesBlocksLargerThanABuffer()
    {
        var small = Block(1, 100);
        var large = Block(2, 3 * 1024 * 1024);
        var packed = new PackedBlocks();
        packed.Add(Cid.ForDagCbor(small), small);
        packed.Add(Cid.ForDagCbor(large), large);
        var expected = (byte[])small.Clone();
        small.AsSpan().Clear();

        Assert.True(packed.TryGet(Cid.ForDagCbor(expected), out var kept));
        Assert.Equal(expected, kept.ToArray());
        Assert.True(packed.TryGet(Cid.ForDagCbor(large), out var big));
        Assert.True(big.Span.SequenceEqual(large));
    }
}
