using Pds.Application.Common.Abstractions;
using Pds.Infrastructure.Persistence.ActorStore;

namespace Pds.Infrastructure.Tests.Persistence;

public sealed class RepoRootCacheTests
{
    private static RepoRootInfo Root(string cid, string rev) => new(cid, rev, DateTime.UnixEpoch);

    [Fact]
    public void TryTake_TakesTheEntryOut()
    {
        var cache = new RepoRootCache();
        cache.Remember("did:plc:a", Root("bafy1", "3k1"));

        Assert.True(cache.TryTake("did:plc:a", out var root));
        Assert.Equal("bafy1", root.Cid);

        // A second write of the repository meanwhile finds nothing and locks the ordinary way.
        Assert.False(cache.TryTake("did:plc:a", out _));
    }

    [Fact]
    public void Remember_ALaterRevisionWins_WhateverTheOrder()
    {
        var cache = new RepoRootCache();
        cache.Remember("did:plc:a", Root("bafy2", "3k2"));
        cache.Remember("did:plc:a", Root("bafy1", "3k1"));

        Assert.True(cache.TryTake("did:plc:a", out var root));
        Assert.Equal("bafy2", root.Cid);
    }

    [Fact]
    public void Forget_DropsTheEntry()
    {
        var cache = new RepoRootCache();
        cache.Remember("did:plc:a", Root("bafy1", "3k1"));
        cache.Forget("did:plc:a");

        Assert.False(cache.TryTake("did:plc:a", out _));
    }

    [Fact]
    public void Remember_StaysWithinItsCapacity()
    {
        var cache = new RepoRootCache(capacity: 100);
        for (var i = 0; i < 1_000; i++)
        {
            cache.Remember($"did:plc:{i}", Root("bafy" + i, "3k1"));
            Assert.InRange(cache.Count, 1, 100);
        }

        Assert.True(cache.TryTake("did:plc:999", out _));
    }
}
