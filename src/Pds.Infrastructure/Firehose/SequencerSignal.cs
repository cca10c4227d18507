namespace Pds.Infrastructure.Firehose;

/// <summary>
/// Wakes the firehose when events have committed: pulsed after a local write transaction that
/// appended events, and by PostgreSQL notifications for writes made by other server processes.
/// </summary>
public sealed class SequencerSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Pulse() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>
    /// The next pulse. Take it before looking for new events, then wait on it: a pulse that lands
    /// while the events are being read still wakes the waiter.
    /// </summary>
    public Task NextPulse => Volatile.Read(ref _next).Task;

    /// <summary>Completes at the next pulse or after <paramref name="timeout"/>, whichever is first.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => WaitAsync(NextPulse, timeout, cancellationToken);

    /// <summary>Completes when <paramref name="next"/> (from <see cref="NextPulse"/>) does, or after <paramref name="timeout"/>.</summary>
    public static async Task WaitAsync(Task next, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
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
