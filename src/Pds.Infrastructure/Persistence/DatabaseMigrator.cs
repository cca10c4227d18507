using System.Data;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Pds.Infrastructure.Persistence;

public static class DatabaseMigrator
{
    /// <summary>
    /// Applies the provider's pending migrations and returns their ids, oldest first; on an
    /// up-to-date database it only reads the migrations history and returns none.
    /// </summary>
    /// <remarks>
    /// EF Core's <c>MigrateAsync</c> does more than apply what is pending: even with nothing to
    /// apply, it builds the model that the migrations' snapshot describes and the model of the
    /// context, and compares them (its pending-model-changes check). At the start of a server whose
    /// database is up to date, the usual case, that cost 8–10 MiB of resident memory for as long as
    /// the process ran (compiled code and type data) and 0.3–1 s (docs/PERFORMANCE.md). It is
    /// therefore called only when a migration is pending. The comparison itself belongs to the
    /// build: <c>MigrationTests</c> makes it for both providers' migrations.
    /// </remarks>
    public static async Task<IReadOnlyList<string>> MigrateAsync(PdsDbContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var applied = await AppliedAsync(context, cancellationToken).ConfigureAwait(false);
        var pending = context.Database.GetMigrations().Where(id => applied is null || !applied.Contains(id)).ToList();
        if (pending.Count == 0)
        {
            return [];
        }

        if (applied is null)
        {
            // A new database. EF Core would first read the history table that is not there yet,
            // and log that command's failure as an error.
            await context.GetService<IHistoryRepository>().CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        }

        // Another process may apply some of them first: EF Core takes the database's migration
        // lock and applies what is still pending under it.
        await context.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        return pending;
    }

    // The ids in the migrations history, or null when the table does not exist. Read on the
    // context's connection but outside EF Core's command logging: a missing table is expected.
    private static async Task<HashSet<string>?> AppliedAsync(PdsDbContext context, CancellationToken cancellationToken)
    {
        var connection = context.Database.GetDbConnection();
        var opened = connection.State == ConnectionState.Closed;
        if (opened)
        {
            await context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var command = connection.CreateCommand();
            await using (command.ConfigureAwait(false))
            {
                command.CommandText = $"SELECT \"MigrationId\" FROM {DatabaseSetup.MigrationsHistoryTable}";
                var ids = new HashSet<string>(StringComparer.Ordinal);
                try
                {
                    var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            ids.Add(reader.GetString(0));
                        }
                    }
                }
                catch (DbException) when (!cancellationToken.IsCancellationRequested)
                {
                    return null;
                }

                return ids;
            }
        }
        finally
        {
            if (opened)
            {
                await context.Database.CloseConnectionAsync().ConfigureAwait(false);
            }
        }
    }
}
