using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pds.Application.Common.Abstractions;
using Pds.Infrastructure.Persistence;

namespace Pds.Infrastructure.Blobs;

/// <summary>
/// Expires uploads no record took up: once an hour, temporary blobs older than
/// <see cref="MaxAge"/> lose their row and their file, as the reference PDS lets them lapse.
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
        var removed = await database.WriteAsync(
            ct => database.Context.Blobs.Where(b => b.TempKey != null && b.CreatedAt < cutoff).ExecuteDeleteAsync(ct),
            cancellationToken).ConfigureAwait(false);
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
            catch (Exception e) when (e is DbUpdateException or IOException or InvalidOperationException)
            {
                LogSweepFailed(logger, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "expiring stale blob uploads failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
