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
}
