namespace Pds.Infrastructure.Persistence;

/// <summary>
/// Serializes write transactions within the process. SQLite allows one writer at a time; queuing
/// writers here (instead of letting them race for the file lock) means concurrent requests wait
/// their turn and never see "database is locked". PostgreSQL needs no gate: its row locks and
/// per-DID advisory locks order the writers.
/// </summary>
public sealed class WriteGate : IDisposable
{
    private readonly SemaphoreSlim? _semaphore;

    public WriteGate(bool serialize)
    {
        _semaphore = serialize ? new SemaphoreSlim(1, 1) : null;
    }

    public async ValueTask<Releaser> EnterAsync(CancellationToken cancellationToken)
    {
        if (_semaphore is not null)
        {
            await _semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return new Releaser(_semaphore);
    }

    public void Dispose() => _semaphore?.Dispose();

    public readonly struct Releaser(SemaphoreSlim? semaphore) : IDisposable
    {
        public void Dispose() => semaphore?.Release();
    }
}
