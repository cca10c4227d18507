using Pds.Application.Common.Abstractions;
using Pds.Infrastructure.Firehose;

namespace Pds.Infrastructure.Tests.Firehose;

public sealed class SequencerSignalTests
{
    [Fact]
    public async Task APulseBetweenTakingAndWaiting_IsNotSleptThrough()
    {
        var signal = new SequencerSignal();
        var pulse = signal.NextPulse;

        // The hub is reading events when a commit pulses...
        signal.Pulse();

        // ...so its wait must end at once, not at the polling timeout.
        var wait = SequencerSignal.WaitAsync(pulse, TimeSpan.FromMinutes(5), CancellationToken.None);
        Assert.True(wait.IsCompleted || await Task.WhenAny(wait, Task.Delay(TimeSpan.FromSeconds(30))) == wait);

        // A later wait waits for a later pulse.
        var next = SequencerSignal.WaitAsync(signal.NextPulse, TimeSpan.FromMinutes(5), CancellationToken.None);
        Assert.False(next.IsCompleted);
        signal.Pulse();
        await next.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task AWaitThatTimesOut_ReturnsFalse_WithoutThrowing()
    {
        // The timeout is the hub's once-a-second polling fallback on a quiet server: an exception
        // each time would read as a steady error rate in the runtime's exception counters.
        var signal = new SequencerSignal();
        var inThisTest = new AsyncLocal<bool> { Value = true };
        var thrown = new List<Exception>();
        void Count(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (inThisTest.Value)
            {
                lock (thrown)
                {
                    thrown.Add(e.Exception);
                }
            }
        }

        AppDomain.CurrentDomain.FirstChanceException += Count;
        try
        {
            Assert.False(await SequencerSignal.WaitAsync(signal.NextPulse, TimeSpan.FromMilliseconds(50), CancellationToken.None));
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= Count;
        }

        Assert.Empty(thrown);
    }

    [Fact]
    public async Task AWaitThatIsCancelled_Throws()
    {
        var signal = new SequencerSignal();
        using var cancel = new CancellationTokenSource();
        var wait = SequencerSignal.WaitAsync(signal.NextPulse, TimeSpan.FromMinutes(5), cancel.Token);
        Assert.False(wait.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
    }

    private static SequencedEvent Event(long seq) => new(seq, "did:plc:test", "identity", [0xa0], DateTime.UtcNow, false);

    [Fact]
    public async Task HandedOverEvents_AreTakenOnce_InOrder_AndWake()
    {
        var signal = new SequencerSignal();
        var pulse = signal.NextPulse;
        signal.Committing();
        signal.Committing();
        signal.Committed([Event(5), Event(6)]);
        signal.Committed([Event(7)]);
        await pulse.WaitAsync(TimeSpan.FromSeconds(30));

        var (committed, notified, read, _) = signal.Take();
        Assert.Equal([5L, 6L, 7L], committed.Select(e => e.Seq));
        Assert.Equal(0, notified);
        Assert.False(read);

        var again = signal.Take();
        Assert.Empty(again.Committed);
        Assert.False(again.ReadRequested);
    }

    [Fact]
    public void Notifications_KeepTheHighestNumber_AndAPlainPulseAsksForARead()
    {
        var signal = new SequencerSignal();
        signal.Notified(9);
        signal.Notified(4);
        Assert.Equal((9L, false), (signal.Take().Notified, signal.Take().ReadRequested));

        signal.Notified(null);
        Assert.True(signal.Take().ReadRequested);
        signal.Pulse();
        Assert.True(signal.Take().ReadRequested);
    }

    [Fact]
    public void ACommitUnderWay_IsReported_UntilItHandsOverOrEnds()
    {
        var signal = new SequencerSignal();
        signal.Committing();
        signal.Notified(3);
        Assert.True(signal.Take().Committing);

        signal.Committed([Event(3)]);
        var (committed, notified, read, committing) = signal.Take();
        Assert.Equal((3L, 3L, false, false), (committed.Single().Seq, notified, read, committing));

        signal.Committing();
        signal.CommitEnded(readLog: true);
        var ended = signal.Take();
        Assert.Equal((false, true), (ended.Committing, ended.ReadRequested));
    }

    [Fact]
    public void EventsNobodyTakes_AreDroppedBeyondTheBound_ForARead()
    {
        var signal = new SequencerSignal();
        for (var seq = 1; seq <= SequencerSignal.MaxHandedOver + 1; seq++)
        {
            signal.Committing();
            signal.Committed([Event(seq)]);
        }

        var (committed, _, read, committing) = signal.Take();
        Assert.False(committing);
        Assert.Empty(committed);
        Assert.True(read);
    }
}
