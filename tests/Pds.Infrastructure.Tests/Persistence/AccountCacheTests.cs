using Pds.Application.Common.Abstractions;
using Pds.Infrastructure.Persistence.Accounts;
using Pds.TestKit;

namespace Pds.Infrastructure.Tests.Persistence;

public sealed class AccountCacheTests
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(1);
    private readonly ManualClock _clock = new();

    [Fact]
    public void TryGet_WithinTheLifetime_AnswersTheAccountKept()
    {
        var cache = new AccountCache(Lifetime, _clock);
        var account = Account("did:plc:alice");
        cache.Add(account, cache.Stamp);
        _clock.Advance(Lifetime - TimeSpan.FromMilliseconds(1));

        Assert.True(cache.TryGet("did:plc:alice", out var found));
        Assert.Same(account, found);
        Assert.False(cache.TryGet("did:plc:bob", out _));
    }

    [Fact]
    public void TryGet_AfterTheLifetime_MissesAndDropsTheEntry()
    {
        var cache = new AccountCache(Lifetime, _clock);
        cache.Add(Account("did:plc:alice"), cache.Stamp);
        _clock.Advance(Lifetime);

        Assert.False(cache.TryGet("did:plc:alice", out _));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Add_AnAccountWasForgottenSinceTheStamp_NotKept()
    {
        // The read began before a change (to any account) and may have seen the row before it.
        var cache = new AccountCache(Lifetime, _clock);
        var stamp = cache.Stamp;
        cache.Forget("did:plc:alice");
        cache.Add(Account("did:plc:alice"), stamp);

        Assert.False(cache.TryGet("did:plc:alice", out _));

        // A read begun after the change is kept.
        cache.Add(Account("did:plc:alice"), cache.Stamp);
        Assert.True(cache.TryGet("did:plc:alice", out _));
    }

    [Fact]
    public void Forget_DropsTheAccountOnly()
    {
        var cache = new AccountCache(Lifetime, _clock);
        cache.Add(Account("did:plc:alice"), cache.Stamp);
        cache.Add(Account("did:plc:bob"), cache.Stamp);
        cache.Forget("did:plc:alice");

        Assert.False(cache.TryGet("did:plc:alice", out _));
        Assert.True(cache.TryGet("did:plc:bob", out _));
    }

    [Fact]
    public void Add_LifetimeZero_KeepsNothing()
    {
        var cache = new AccountCache(TimeSpan.Zero, _clock);
        cache.Add(Account("did:plc:alice"), cache.Stamp);

        Assert.False(cache.Enabled);
        Assert.False(cache.TryGet("did:plc:alice", out _));
    }

    [Fact]
    public void Add_Full_StartsAgainAndStaysBounded()
    {
        var cache = new AccountCache(Lifetime, _clock, capacity: 3);
        foreach (var name in new[] { "a", "b", "c", "d" })
        {
            cache.Add(Account("did:plc:" + name), cache.Stamp);
        }

        Assert.True(cache.Count <= 3);
        Assert.True(cache.TryGet("did:plc:d", out _));
    }

    private static AccountInfo Account(string did) =>
        new(did, did[8..] + ".test", null, null, DateTime.UtcNow, null, null, null, false);
}
