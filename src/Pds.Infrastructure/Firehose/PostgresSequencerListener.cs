using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Pds.Application.Common.Configuration;

namespace Pds.Infrastructure.Firehose;

/// <summary>
/// On PostgreSQL, listens for the notification every appended event sends at commit (its number is
/// the payload), so that a write made through any server process on the same database wakes this
/// process's firehose at once; the firehose reads the log only for numbers it has not been handed.
/// </summary>
public sealed partial class PostgresSequencerListener(DatabaseOptions database, SequencerSignal signal, ILogger<PostgresSequencerListener> logger) : BackgroundService
{
    public const string Channel = "pds_sequencer";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        database.Provider == DatabaseProvider.Postgres ? ListenAsync(stoppingToken) : Task.CompletedTask;

    // Apart from ExecuteAsync, so that a server on SQLite never compiles it and never loads Npgsql.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var connection = new NpgsqlConnection(database.ConnectionString);
                await using (connection.ConfigureAwait(false))
                {
                    await connection.OpenAsync(stoppingToken).ConfigureAwait(false);
                    // The payload is the event's number; an empty one (older servers) asks for a read.
                    connection.Notification += (_, e) => signal.Notified(long.TryParse(e.Payload, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seq) ? seq : null);
                    await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                    {
                        await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                    }

                    // Events may have committed while the listener was (re)connecting.
                    signal.Pulse();
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        await connection.WaitAsync(stoppingToken).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                // Shutting down: however the wait ended, the listener is done.
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or System.IO.IOException or OperationCanceledException)
            {
                LogListenFailed(logger, e);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "listening for sequencer notifications failed; retrying")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);
}
