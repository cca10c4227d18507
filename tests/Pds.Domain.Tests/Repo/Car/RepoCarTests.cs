using Pds.Domain.Data;
using Pds.Domain.Repo;
using Pds.Domain.Repo.Car;
using Pds.Domain.Syntax;

namespace Pds.Domain.Tests.Repo.Car;

public sealed class RepoCarTests
{
    private static Commit TestCommit(Cid data) =>
        Commit.FromParts(new UnsignedCommit(Did.Parse("did:plc:ewvi7nxzyoun6zhxrhs64oiz"), data, Tid.Parse("3kcaz5nynpj2c")), new byte[64]);

    private static async IAsyncEnumerable<(Cid Cid, ReadOnlyMemory<byte> Bytes)> Source(BlockMap blocks)
    {
        foreach (var (cid, bytes) in blocks)
        {
            await Task.Yield();
            yield return (cid, bytes);
        }
    }

    [Fact]
    public async Task WriteAsync_ThenReadAsync_CommitFirstAndAllBlocks()
    {
        var tree = CarTestData.Blocks(25);
        var commit = TestCommit(tree.Cids[0]);
        var (commitCid, commitBytes) = commit.Encode();
        tree.Set(commitCid, commitBytes);

        using var ms = new MemoryStream();
        await RepoCar.WriteAsync(ms, commit, Source(tree));
        ms.Position = 0;
        var contents = await RepoCar.ReadAsync(ms);

        Assert.Equal(commitCid, contents.CommitCid);
        Assert.Equal(commit.Unsigned, contents.Commit.Unsigned);
        Assert.Equal(commitCid, contents.Blocks.Cids.First());
        Assert.Equal(26, contents.Blocks.Count);
        Assert.Equal(tree.Cids.Take(25), contents.Blocks.Cids.Skip(1));
        Assert.All(tree, b =>
        {
            Assert.True(contents.Blocks.TryGet(b.Key, out var bytes));
            Assert.Equal(b.Value.ToArray(), bytes.ToArray());
        });
    }

    [Fact]
    public async Task ReadAsync_RootCommitBlockMissing_Rejected()
    {
        var tree = CarTestData.Blocks(3);
        var commitCid = TestCommit(tree.Cids[0]).Cid;

        using var ms = new MemoryStream();
        await RepoCar.WriteAsync(ms, commitCid, Source(tree));
        ms.Position = 0;

        var e = await Assert.ThrowsAsync<CarException>(() => RepoCar.ReadAsync(ms));
        Assert.Contains("root commit", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_RootIsNotACommit_Rejected()
    {
        var tree = CarTestData.Blocks(3);
        var car = CarWriter.ToArray([tree.Cids[1]], tree);

        var e = await Assert.ThrowsAsync<CarException>(() => RepoCar.ReadAsync(new MemoryStream(car)));
        Assert.IsType<InvalidCommitException>(e.InnerException);
    }
}
