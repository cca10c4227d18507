namespace Pds.Infrastructure.Firehose;

/// <summary>
/// Wakes the firehose when events have committed: pulsed after a local write transaction that
/// appended events, and by PostgreSQL notifications for writes made by other server processes.
/// </summary>
public sealed class SequencerSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Pulse() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Completes at the next pulse or after <paramref name="timeout"/>, whichever is first.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var next = Volatile.Read(ref _next).Task;
        try
        {
            await next.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Polling fallback: nothing announced, look anyway.
        }
    }
}
