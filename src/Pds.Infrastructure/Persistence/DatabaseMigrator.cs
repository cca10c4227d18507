using System.Data;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;

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
        var (opened, applied) = await AppliedAsync(context, cancellationToken).ConfigureAwait(false);
        var pending = context.Database.GetMigrations().Where(id => applied is null || !applied.Contains(id)).ToList();
        if (pending.Count == 0)
        {
            return [];
        }

        if (!opened)
        {
            // Most likely a database not created yet, as on a first start. Npgsql's migrator reads
            // the history before it creates the database, and EF Core logs that failed open as an
            // error; so create it first. The existence check expects the failure and does not log
            // it. Any other reason the database could not be opened (a server down, a wrong
            // password) fails the check or the creation, and is reported from there.
            var creator = context.GetService<IRelationalDatabaseCreator>();
            if (!await creator.ExistsAsync(cancellationToken).ConfigureAwait(false))
            {
                await creator.CreateAsync(cancellationToken).ConfigureAwait(false);
            }

            (opened, applied) = await AppliedAsync(context, cancellationToken).ConfigureAwait(false);
        }

        if (opened && applied is null)
        {
            // A database without the history table. EF Core would first read that table, and log
            // the command's failure as an error.
            await context.GetService<IHistoryRepository>().CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        }

        // Another process may apply some of them first: EF Core takes the database's migration
        // lock and applies what is still pending under it.
        await context.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        return pending;
    }

    // Whether the database could be opened, and the ids in its migrations history (null when it
    // could not be opened or has no history table yet). Read on the context's connection, opened
    // here outside EF Core's logging: a database or table not there yet is expected, no error.
    private static async Task<(bool Opened, HashSet<string>? Applied)> AppliedAsync(PdsDbContext context, CancellationToken cancellationToken)
    {
        var connection = context.Database.GetDbConnection();
        var openedHere = false;
        try
        {
            if (connection.State == ConnectionState.Closed)
            {
                try
                {
                    await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (DbException) when (!cancellationToken.IsCancellationRequested)
                {
                    return (false, null);
                }

                openedHere = true;
            }

            var command = ContextCommand.Create(context, $"SELECT \"MigrationId\" FROM {DatabaseSetup.MigrationsHistoryTable}");
            await using (command.ConfigureAwait(false))
            {
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
                    return (true, null);
                }

                return (true, ids);
            }
        }
        finally
        {
            if (openedHere)
            {
                await connection.CloseAsync().ConfigureAwait(false);
            }
        }
    }
}
