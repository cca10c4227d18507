using Pds.Domain.Syntax;

namespace Pds.Domain.Tests.Syntax;

public sealed class TidClockTests
{
    private sealed class SteppedTimeProvider(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void Next_FourThreadsTimesHundredThousand_StrictlyIncreasingPerThreadAndNoDuplicates()
    {
        const int threads = 4;
        const int perThread = 100_000;
        var clock = new TidClock();
        var results = new ulong[threads][];
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var mine = new ulong[perThread];
            start.SignalAndWait();
            for (var i = 0; i < perThread; i++)
            {
                mine[i] = clock.Next().Value;
            }

            results[t] = mine;
        })).ToList();

        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());

        foreach (var mine in results)
        {
            for (var i = 1; i < mine.Length; i++)
            {
                Assert.True(mine[i] > mine[i - 1], $"TID {i} did not increase");
            }
        }

        var all = new HashSet<ulong>(results.SelectMany(r => r));
        Assert.Equal(threads * perThread, all.Count);
    }

    [Fact]
    public void Next_ClockGoesBackwards_StillIncreases()
    {
        var time = new SteppedTimeProvider(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var clock = new TidClock(7, time);

        var first = clock.Next();
        time.Now -= TimeSpan.FromMinutes(5);
        var second = clock.Next();
        var third = clock.Next();

        Assert.True(second > first);
        Assert.True(third > second);
        Assert.Equal(7, second.ClockId);
        Assert.Equal(first.Microseconds + 1, second.Microseconds);
    }

    [Fact]
    public void Next_SameMicrosecond_AdvancesByOneMicrosecond()
    {
        var now = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var clock = new TidClock(1, new SteppedTimeProvider(now));

        var tids = Enumerable.Range(0, 5).Select(_ => clock.Next()).ToList();

        var expected = (now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        Assert.Equal(Enumerable.Range(0, 5).Select(i => expected + i), tids.Select(t => t.Microseconds));
    }

    [Fact]
    public void Next_ClockMovesForward_UsesWallClockTime()
    {
        var time = new SteppedTimeProvider(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var clock = new TidClock(2, time);
        clock.Next();
        time.Now += TimeSpan.FromSeconds(1);

        Assert.Equal(time.Now, clock.Next().Timestamp);
    }

    [Fact]
    public void Shared_Next_IsCloseToNowWithTheInstanceClockId()
    {
        var before = DateTimeOffset.UtcNow;
        var tid = TidClock.Shared.Next();

        Assert.Equal(TidClock.Shared.ClockId, tid.ClockId);
        Assert.InRange(tid.Timestamp, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Same(TidClock.Shared, TidClock.Shared);
    }

    [Fact]
    public void Constructor_ClockIdOutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TidClock(1024, TimeProvider.System));
    }
}
