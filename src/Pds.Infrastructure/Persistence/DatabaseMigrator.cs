using Microsoft.EntityFrameworkCore;

namespace Pds.Infrastructure.Persistence;

public static class DatabaseMigrator
{
    /// <summary>Applies the provider's pending migrations; a no-op on an up-to-date database.</summary>
    public static async Task MigrateAsync(PdsDbContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        await context.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
    }
}
