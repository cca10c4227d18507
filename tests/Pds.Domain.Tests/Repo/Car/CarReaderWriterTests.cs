using System.IO.Pipes;
using Pds.Domain.Data;
using Pds.Domain.Repo;
using Pds.Domain.Repo.Car;

namespace Pds.Domain.Tests.Repo.Car;

public sealed class CarReaderWriterTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static async Task<byte[]> WriteCarAsync(IReadOnlyList<Cid> roots, BlockMap blocks, int bufferSize = CarWriter.DefaultBufferSize)
    {
        using var ms = new MemoryStream();
        var writer = new CarWriter(ms, bufferSize: bufferSize);
        await using (writer)
        {
            await writer.WriteHeaderAsync(roots);
            foreach (var (cid, bytes) in blocks)
            {
                await writer.WriteBlockAsync(cid, bytes);
            }
        }

        return ms.ToArray();
    }

    private static void AssertSameBlocks(BlockMap expected, BlockMap actual)
    {
        Assert.Equal(expected.Cids, actual.Cids);
        foreach (var (cid, bytes) in expected)
        {
            Assert.True(actual.TryGet(cid, out var got));
            Assert.True(bytes.Span.SequenceEqual(got.Span), $"block {cid} differs");
        }
    }

    [Fact]
    public async Task ReadAllAsync_WrittenCar_SameRootsAndBlocksInOrder()
    {
        var blocks = CarTestData.Blocks(50);
        var roots = new[] { blocks.Cids[3], blocks.Cids[7] };
        var car = await WriteCarAsync(roots, blocks);

        var (readRoots, readBlocks) = await CarReader.ReadAllAsync(new MemoryStream(car));

        Assert.Equal(roots, readRoots);
        AssertSameBlocks(blocks, readBlocks);
    }

    [Theory]
    [InlineData(256)]
    [InlineData(CarWriter.DefaultBufferSize)]
    public async Task WriteBlockAsync_BinaryCid_SameCarAsWithCidObjects(int bufferSize)
    {
        // Small blocks that fill the buffer several times over, and one larger than the buffer.
        var blocks = CarTestData.Blocks(40);
        var big = new byte[bufferSize + 1000];
        new Random(11).NextBytes(big);
        blocks.Set(Cid.ForRaw(big), big);
        using var ms = new MemoryStream();
        var writer = new CarWriter(ms, bufferSize: bufferSize);
        await using (writer)
        {
            await writer.WriteHeaderAsync([blocks.Cids[0]]);
            var cid = new byte[64];
            foreach (var (c, bytes) in blocks)
            {
                // One reused array for every CID, as a reader of stored rows passes it.
                c.CopyTo(cid);
                await writer.WriteBlockAsync(cid.AsMemory(0, c.ByteLength), bytes);
            }

            Assert.Equal(blocks.Count, writer.BlockCount);
        }

        var (roots, read) = await CarReader.ReadAllAsync(new MemoryStream(ms.ToArray()));
        Assert.Equal([blocks.Cids[0]], roots);
        AssertSameBlocks(blocks, read);
        Assert.Equal(await WriteCarAsync([blocks.Cids[0]], blocks, bufferSize), ms.ToArray());
    }

    [Theory]
    [InlineData(256)]
    [InlineData(CarWriter.DefaultBufferSize)]
    public async Task TryWriteBlock_WritesWhatFitsAndRefusesTheRest_SameCarAsWriteBlockAsync(int bufferSize)
    {
        var blocks = CarTestData.Blocks(60);
        var big = new byte[bufferSize + 1000];
        new Random(5).NextBytes(big);
        blocks.Set(Cid.ForRaw(big), big);
        using var ms = new MemoryStream();
        var writer = new CarWriter(ms, bufferSize: bufferSize);
        var refused = 0;
        await using (writer)
        {
            await writer.WriteHeaderAsync([blocks.Cids[0]]);
            foreach (var (cid, bytes) in blocks)
            {
                var before = (writer.BlockCount, writer.BytesWritten, ms.Length);
                if (writer.TryWriteBlock(cid.ToArray(), bytes.Span))
                {
                    continue;
                }

                // A refusal writes nothing: not to the count, not to the buffer, not to the stream.
                refused++;
                Assert.Equal(before, (writer.BlockCount, writer.BytesWritten, ms.Length));
                await writer.WriteBufferedAsync();
                Assert.True(ms.Length > before.Length);
                if (!writer.TryWriteBlock(cid.ToArray(), bytes.Span))
                {
                    Assert.True(bytes.Length > bufferSize);
                    await writer.WriteBlockAsync(cid, bytes);
                }
            }

            Assert.Equal(blocks.Count, writer.BlockCount);
        }

        Assert.True(refused > 0);
        Assert.Equal(await WriteCarAsync([blocks.Cids[0]], blocks, bufferSize), ms.ToArray());
    }

    [Theory]
    [InlineData(256)]
    [InlineData(1000)]
    public async Task WriteBlockAsync_BlocksLargerThanBuffer_RoundTrip(int bufferSize)
    {
        var blocks = CarTestData.Blocks(5);
        var big = new byte[300_000];
        new Random(7).NextBytes(big);
        var bigCid = Cid.ForRaw(big);
        blocks.Set(bigCid, big);
        foreach (var (cid, bytes) in CarTestData.Blocks(8).Skip(5))
        {
            blocks.Set(cid, bytes);
        }

        var car = await WriteCarAsync([bigCid], blocks, bufferSize);
        var (roots, read) = await CarReader.ReadAllAsync(new MemoryStream(car));

        Assert.Equal(bigCid, Assert.Single(roots));
        AssertSameBlocks(blocks, read);
    }

    [Fact]
    public async Task ToArray_SameBytesAsStreamingWriter()
    {
        var blocks = CarTestData.Blocks(20);
        var roots = new[] { blocks.Cids[0] };

        var streamed = await WriteCarAsync(roots, blocks);
        var direct = CarWriter.ToArray(roots, blocks);

        Assert.Equal(streamed, direct);
    }

    [Fact]
    public void EncodeHeader_IsVarintPrefixedCanonicalMap()
    {
        var root = CarTestData.Record(1).Cid;

        var header = CarWriter.EncodeHeader([root]);

        Assert.True(Varint.TryRead(header, out var length, out var n));
        Assert.Equal(header.Length - n, (int)length);
        var map = DagCbor.DecodeMap(header.AsMemory(n));
        Assert.Equal(2, map.Count);
        Assert.Equal(1L, map.GetInteger("version"));
        Assert.Equal(root, Assert.IsType<LexLink>(Assert.Single(Assert.IsType<LexArray>(map["roots"]).Items)).Value);
        Assert.Equal(DagCbor.Encode(map), header.AsSpan(n).ToArray());
    }

    [Fact]
    public async Task WriteAsync_AsyncSourceThroughPipe_StreamsTwentyThousandBlocks()
    {
        const int count = 20_000;
        var root = CarTestData.Record(0).Cid;
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        Assert.False(client.CanSeek);

        var writing = Task.Run(async () =>
        {
            await CarWriter.WriteAsync(server, [root], CarTestData.StreamRecords(count));
            await server.DisposeAsync();
        });

        var reader = await CarReader.OpenAsync(client, new CarLimits { MaxBlocks = count });
        var seen = 0;
        await using (reader)
        {
            Assert.Equal(root, reader.Root);
            while (await reader.ReadNextAsync() is { } block)
            {
                var (cid, bytes) = CarTestData.Record(seen);
                Assert.Equal(cid, block.Cid);
                Assert.True(bytes.AsSpan().SequenceEqual(block.Data.Span));
                seen++;
            }
        }

        await writing.WaitAsync(Timeout);
        Assert.Equal(count, seen);
    }

    [Fact]
    public async Task ReadBlocksAsync_YieldsIndependentCopies()
    {
        var blocks = CarTestData.Blocks(30);
        var car = CarWriter.ToArray([blocks.Cids[0]], blocks);

        var reader = await CarReader.OpenAsync(new CarTestData.TrickleStream(car));
        var kept = new List<CarBlock>();
        await using (reader)
        {
            await foreach (var block in reader.ReadBlocksAsync())
            {
                kept.Add(block);
            }
        }

        Assert.Equal(blocks.Cids, kept.Select(b => b.Cid));
        Assert.All(kept, b => Assert.True(b.Cid.Matches(b.Data.Span)));
    }

    [Fact]
    public async Task ReadAllAsync_DuplicateBlocks_Tolerated()
    {
        var (cid, bytes) = CarTestData.Record(1);
        var car = CarWriter.ToArray([cid], [new(cid, bytes), new(cid, bytes)]);

        var (_, blocks) = await CarReader.ReadAllAsync(car);

        Assert.Equal(cid, Assert.Single(blocks.Cids));
    }

    [Fact]
    public async Task ReadAllAsync_CorruptedBlock_HashMismatchRejected()
    {
        var blocks = CarTestData.Blocks(3);
        var car = CarWriter.ToArray([blocks.Cids[0]], blocks);
        car[^5] ^= 0x01;

        var e = await Assert.ThrowsAsync<CarException>(() => CarReader.ReadAllAsync(car));
        Assert.Contains("does not match its hash", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAllAsync_TruncatedAtEveryOffset_FailsExceptAtSectionBoundaries()
    {
        var blocks = CarTestData.Blocks(3);
        var car = CarWriter.ToArray([blocks.Cids[0]], blocks);
        var boundaries = new List<int> { CarWriter.EncodeHeader([blocks.Cids[0]]).Length };
        foreach (var (cid, bytes) in blocks)
        {
            var section = cid.ByteLength + bytes.Length;
            boundaries.Add(boundaries[^1] + Varint.SizeOf((ulong)section) + section);
        }

        Assert.Equal(car.Length, boundaries[^1]);

        for (var cut = 0; cut < car.Length; cut++)
        {
            var prefix = car[..cut];
            var index = boundaries.IndexOf(cut);
            foreach (var stream in new Stream[] { new MemoryStream(prefix), new CarTestData.TrickleStream(prefix) })
            {
                var read = CarReader.ReadAllAsync(stream).WaitAsync(Timeout);
                if (index >= 0)
                {
                    // A cut exactly between sections is itself a well-formed, shorter CAR.
                    var (_, got) = await read;
                    Assert.Equal(blocks.Cids.Take(index), got.Cids);
                }
                else
                {
                    await Assert.ThrowsAsync<CarException>(() => read);
                }
            }
        }
    }

    [Fact]
    public async Task ReadNextAsync_HugeDeclaredSectionLength_RejectedWithoutAllocating()
    {
        var header = CarWriter.EncodeHeader([CarTestData.Record(0).Cid]);
        var lengthPrefix = new byte[Varint.MaxLength];
        var n = Varint.Write(1UL << 62, lengthPrefix);
        byte[] car = [.. header, .. lengthPrefix[..n], 1, 2, 3, 4];

        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = await Assert.ThrowsAsync<CarException>(() => CarReader.ReadAllAsync(new MemoryStream(car)));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("over the limit", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 1_000_000, $"allocated {allocated} bytes");
    }

    [Fact]
    public async Task OpenAsync_HugeDeclaredHeaderLength_Rejected()
    {
        var prefix = new byte[Varint.MaxLength];
        var n = Varint.Write(1UL << 62, prefix);

        await Assert.ThrowsAsync<CarException>(() => CarReader.OpenAsync(new MemoryStream(prefix[..n])));
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0x00 })]
    [InlineData(new byte[] { 0x80, 0x00 })]
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 })]
    [InlineData(new byte[] { 0x05, 0xa0, 0x01, 0x02, 0x03, 0x04 })]
    [InlineData(new byte[] { 0x04, 0x65, 0x68, 0x65, 0x6c })]
    public async Task OpenAsync_GarbageInput_Rejected(byte[] input)
    {
        await Assert.ThrowsAsync<CarException>(() => CarReader.OpenAsync(new MemoryStream(input)).WaitAsync(Timeout));
    }

    [Fact]
    public async Task ReadAllAsync_RandomBytes_AlwaysCarException()
    {
        var random = new Random(42);
        var header = CarWriter.EncodeHeader([CarTestData.Record(0).Cid]);
        for (var i = 0; i < 2000; i++)
        {
            var noise = new byte[random.Next(0, 200)];
            random.NextBytes(noise);

            // Half the inputs get a valid header so the section parser sees the noise too.
            byte[] input = i % 2 == 0 ? noise : [.. header, .. noise];
            if (i % 2 == 1 && noise.Length == 0)
            {
                continue;
            }

            await Assert.ThrowsAsync<CarException>(() => CarReader.ReadAllAsync(new MemoryStream(input)).WaitAsync(Timeout));
        }
    }

    private static byte[] RawHeader(LexMap header)
    {
        var map = DagCbor.Encode(header);
        var prefix = new byte[Varint.MaxLength];
        var n = Varint.Write((ulong)map.Length, prefix);
        return [.. prefix[..n], .. map];
    }

    [Fact]
    public async Task OpenAsync_Version2Header_Rejected()
    {
        var car = RawHeader(LexValue.Map(("version", 2L), ("roots", LexValue.Array(CarTestData.Record(0).Cid))));

        var e = await Assert.ThrowsAsync<CarException>(() => CarReader.OpenAsync(new MemoryStream(car)));
        Assert.Contains("version 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_CarV2Pragma_Rejected()
    {
        // The fixed 11-byte CARv2 pragma: varint 10, then {"version": 2}.
        byte[] pragma = [0x0a, 0xa1, 0x67, 0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x02];

        var e = await Assert.ThrowsAsync<CarException>(() => CarReader.OpenAsync(new MemoryStream(pragma)));
        Assert.Contains("version 2", e.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, LexMap> BadHeaders => new()
    {
        { "no version", LexValue.Map(("roots", LexValue.Array(CarTestData.Record(0).Cid))) },
        { "string version", LexValue.Map(("version", "1"), ("roots", LexValue.Array(CarTestData.Record(0).Cid))) },
        { "no roots", LexValue.Map(("version", 1L)) },
        { "roots not array", LexValue.Map(("version", 1L), ("roots", CarTestData.Record(0).Cid)) },
        { "root not link", LexValue.Map(("version", 1L), ("roots", LexValue.Array("bafy"))) },
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public async Task OpenAsync_BadHeader_Rejected(string name, LexMap header)
    {
        Assert.NotNull(name);
        await Assert.ThrowsAsync<CarException>(() => CarReader.OpenAsync(new MemoryStream(RawHeader(header))));
    }

    [Fact]
    public async Task OpenAsync_ZeroRoots_RejectedUnlessAllowed()
    {
        var car = CarWriter.ToArray([], CarTestData.Blocks(2));

        var e = await Assert.ThrowsAsync<CarException>(() => CarReader.ReadAllAsync(car));
        Assert.Contains("no roots", e.Message, StringComparison.Ordinal);

        var (roots, blocks) = await CarReader.ReadAllAsync(car, new CarLimits { RequireRoots = false });
        Assert.Empty(roots);
        Assert.Equal(2, blocks.Count);
    }

    [Fact]
    public async Task ReadAllAsync_LimitsExceeded_Rejected()
    {
        var blocks = CarTestData.Blocks(10);
        var car = CarWriter.ToArray([blocks.Cids[0]], blocks);
        var largest = blocks.Max(b => b.Value.Length);

        await Assert.ThrowsAsync<CarException>(() => CarReader.ReadAllAsync(car, new CarLimits { MaxBlocks = 9 }));
        await Assert.ThrowsAsync<CarException>(() => CarReader.ReadAllAsync(car, new CarLimits { MaxTotalBytes = car.Length - 1 }));
        await Assert.ThrowsAsync<CarException>(() => CarReader.ReadAllAsync(car, new CarLimits { MaxBlockBytes = largest - 1 }));
        await Assert.ThrowsAsync<CarException>(() => CarReader.ReadAllAsync(car, new CarLimits { MaxHeaderBytes = 10 }));

        var (_, all) = await CarReader.ReadAllAsync(car, new CarLimits { MaxBlocks = 10, MaxTotalBytes = car.Length, MaxBlockBytes = largest });
        Assert.Equal(10, all.Count);
    }

    private static Cid Sha512Cid(byte[] block)
    {
        // CIDv1, dag-cbor, multihash sha2-512 (0x13) with a 64-byte digest.
        byte[] bytes = [0x01, 0x71, 0x13, 0x40, .. System.Security.Cryptography.SHA512.HashData(block)];
        return Cid.FromBytes(bytes);
    }

    [Fact]
    public async Task ReadAllAsync_NonSha256Block_RejectedUnlessAllowed()
    {
        var (_, bytes) = CarTestData.Record(1);
        var cid = Sha512Cid(bytes);
        var car = CarWriter.ToArray([cid], [new(cid, bytes)]);

        var e = await Assert.ThrowsAsync<CarException>(() => CarReader.ReadAllAsync(car));
        Assert.Contains("unsupported hash", e.Message, StringComparison.Ordinal);

        var (_, blocks) = await CarReader.ReadAllAsync(car, new CarLimits { AllowUnverifiableHashes = true });
        Assert.True(blocks.Contains(cid));
    }

    [Fact]
    public async Task ReadAllAsync_CidV0Section_Rejected()
    {
        var header = CarWriter.EncodeHeader([CarTestData.Record(0).Cid]);
        var (_, bytes) = CarTestData.Record(0);
        var digest = System.Security.Cryptography.SHA256.HashData(bytes);
        byte[] cidV0 = [0x12, 0x20, .. digest];
        var section = cidV0.Length + bytes.Length;
        var prefix = new byte[Varint.MaxLength];
        var n = Varint.Write((ulong)section, prefix);
        byte[] car = [.. header, .. prefix[..n], .. cidV0, .. bytes];

        var e = await Assert.ThrowsAsync<CarException>(() => CarReader.ReadAllAsync(car));
        Assert.Contains("invalid CID", e.Message, StringComparison.Ordinal);
    }
}
