using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pds.Application.Common.Abstractions;
using Pds.Infrastructure.Persistence;

namespace Pds.Infrastructure.Blobs;

/// <summary>
/// Expires uploads no record took up: once an hour, temporary blobs older than
/// <see cref="MaxAge"/> lose their row and their bytes, as the reference PDS lets them lapse.
/// Bytes whose row never committed (a process killed mid-upload) go by their age in the store.
/// </summary>
public sealed partial class TempBlobJanitor(IServiceScopeFactory scopes, IBlobStore store, TimeProvider clock, ILogger<TempBlobJanitor> logger) : BackgroundService
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(1);
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    /// <summary>One sweep; returns the number of blob rows removed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime - MaxAge;
        await using var scope = scopes.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<PdsDatabase>();
        var uploads = await database.Context.Blobs
            .Where(b => b.TempKey != null && b.CreatedAt < cutoff)
            .Select(b => new { b.Did, b.Cid, b.TempKey })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var removed = 0;
        foreach (var upload in uploads)
        {
            // Only a row still unreferenced goes, and only then its bytes: a record that took the
            // blob up meanwhile has already moved them to permanent storage.
            var gone = await database.WriteAsync(
                ct => database.Context.Blobs
                    .Where(b => b.Did == upload.Did && b.Cid == upload.Cid && b.TempKey == upload.TempKey)
                    .ExecuteDeleteAsync(ct),
                cancellationToken).ConfigureAwait(false);
            if (gone > 0)
            {
                removed += gone;
                await store.DeleteTempAsync(upload.Did, upload.TempKey!, cancellationToken).ConfigureAwait(false);
            }
        }

        await store.DeleteStaleTempAsync(MaxAge, cancellationToken).ConfigureAwait(false);
        return removed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, clock, stoppingToken).ConfigureAwait(false);
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A failed sweep (database or blob store unreachable) is retried next hour; it must not stop the host.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogSweepFailed(logger, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "expiring stale blob uploads failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
