using Pds.Application.Repo;
using Pds.Domain.Data;

namespace Pds.Application.Tests.Repo;

public sealed class RepoBlockCacheTests
{
    private static (Cid Cid, byte[] Bytes) Block(int n, int size = 10)
    {
        var bytes = new byte[size];
        BitConverter.TryWriteBytes(bytes, n);
        return (Cid.ForDagCbor(bytes), bytes);
    }

    [Fact]
    public void TryGet_OtherDid_Misses()
    {
        var cache = new RepoBlockCache();
        var (cid, bytes) = Block(1);
        cache.Set("did:plc:a", cid, bytes);

        Assert.True(cache.TryGet("did:plc:a", cid, out var hit));
        Assert.Equal(bytes, hit.ToArray());
        Assert.False(cache.TryGet("did:plc:b", cid, out _));
    }

    [Fact]
    public void Set_BeyondCapacity_StaysBounded()
    {
        var cache = new RepoBlockCache(1000);
        for (var i = 0; i < 500; i++)
        {
            var (cid, bytes) = Block(i, 100);
            cache.Set("did:plc:a", cid, bytes);
        }

        Assert.True(cache.Size <= 1100);
        var (last, _) = Block(499, 100);
        Assert.True(cache.TryGet("did:plc:a", last, out _));
    }

    [Fact]
    public void Forget_RemovesOnlyThatDid()
    {
        var cache = new RepoBlockCache();
        var (cid, bytes) = Block(1);
        cache.Set("did:plc:a", cid, bytes);
        cache.Set("did:plc:b", cid, bytes);

        cache.Forget("did:plc:a");

        Assert.False(cache.TryGet("did:plc:a", cid, out _));
        Assert.True(cache.TryGet("did:plc:b", cid, out _));
    }

    [Fact]
    public void Remove_DropsTheBlockFromBothGenerationsAndItsBytes()
    {
        // 150 bytes per generation: the first two blocks move to the previous generation, the third starts the current one.
        var cache = new RepoBlockCache(300);
        var (old, oldBytes) = Block(1, 100);
        var (recent, recentBytes) = Block(2, 100);
        cache.Set("did:plc:a", old, oldBytes);
        cache.Set("did:plc:a", recent, recentBytes);
        cache.Set("did:plc:b", old, oldBytes);
        var before = cache.Size;

        cache.Remove("did:plc:a", old);
        cache.Remove("did:plc:a", recent);

        Assert.False(cache.TryGet("did:plc:a", old, out _));
        Assert.False(cache.TryGet("did:plc:a", recent, out _));
        Assert.True(cache.TryGet("did:plc:b", old, out _));
        Assert.Equal(before - 200, cache.Size);
    }
}
