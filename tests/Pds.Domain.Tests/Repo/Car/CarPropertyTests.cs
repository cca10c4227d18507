using CsCheck;
using Pds.Domain.Data;
using Pds.Domain.Repo;
using Pds.Domain.Repo.Car;

namespace Pds.Domain.Tests.Repo.Car;

public sealed class CarPropertyTests
{
    private static readonly Gen<byte[][]> BlockContents = Gen.Byte.Array[0, 3000].Array[1, 40];

    [Fact]
    public async Task ReadAllAsync_AnyBlocksAnyChunking_RoundTrips()
    {
        await BlockContents.Select(Gen.Int[256, 4096]).SampleAsync(async (contents, bufferSize) =>
        {
            var blocks = new BlockMap();
            foreach (var c in contents)
            {
                blocks.Set(Cid.ForRaw(c), c);
            }

            using var ms = new MemoryStream();
            var writer = new CarWriter(ms, bufferSize: bufferSize);
            await using (writer)
            {
                await writer.WriteHeaderAsync([blocks.Cids[0]]);
                foreach (var (cid, bytes) in blocks)
                {
                    await writer.WriteBlockAsync(cid, bytes);
                }
            }

            var car = ms.ToArray();
            Assert.Equal(CarWriter.ToArray([blocks.Cids[0]], blocks), car);

            var (roots, read) = await CarReader.ReadAllAsync(new CarTestData.TrickleStream(car));
            Assert.Equal(blocks.Cids[0], Assert.Single(roots));
            Assert.Equal(blocks.Cids, read.Cids);
        }, iter: 60);
    }

    [Fact]
    public async Task ReadAllAsync_AnySingleByteFlip_OnlyCarExceptionOrVerifiedBlocks()
    {
        var blocks = CarTestData.Blocks(4);
        var car = CarWriter.ToArray([blocks.Cids[0]], blocks);

        await Gen.Int[0, car.Length - 1].Select(Gen.Int[1, 255]).SampleAsync(async (index, mask) =>
        {
            var corrupted = (byte[])car.Clone();
            corrupted[index] ^= (byte)mask;
            try
            {
                var (_, read) = await CarReader.ReadAllAsync(corrupted);

                // A flip that still parses can only have produced blocks that match their CIDs
                // (the reader verified each); it cannot have altered a block behind its CID.
                Assert.All(read, b => Assert.True(b.Key.Matches(b.Value.Span)));
            }
            catch (CarException)
            {
            }
        }, iter: 500);
    }
}
