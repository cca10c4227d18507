using Microsoft.EntityFrameworkCore;
using Pds.Application.Common.Abstractions;
using Pds.Infrastructure.Persistence.Rows;

namespace Pds.Infrastructure.Persistence.Accounts;

public sealed class EfRefreshTokenStore(PdsDatabase database) : IRefreshTokenStore
{
    private PdsDbContext Context => database.Context;

    public Task StoreAsync(RefreshTokenInfo token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        return database.WriteAsync(
            async ct =>
            {
                var exists = await Context.RefreshTokens.AnyAsync(t => t.Id == token.Id, ct).ConfigureAwait(false);
                if (!exists)
                {
                    Context.RefreshTokens.Add(new RefreshTokenRow
                    {
                        Id = token.Id,
                        Did = token.Did,
                        AppPasswordName = token.AppPasswordName,
                        ExpiresAt = token.ExpiresAt,
                        NextId = token.NextId,
                    });
                    await Context.SaveChangesAsync(ct).ConfigureAwait(false);
                }

                return true;
            },
            cancellationToken);
    }

    public async Task<RefreshTokenInfo?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        await Context.RefreshTokens.AsNoTracking()
            .Where(t => t.Id == id)
            .Select(t => new RefreshTokenInfo(t.Id, t.Did, t.AppPasswordName, t.ExpiresAt, t.NextId))
            .SingleOrDefaultAsync(cancellationToken)
            .ConfigureAwait(false);

    public Task<bool> MarkRotatedAsync(string id, string nextId, DateTime expiresAt, CancellationToken cancellationToken = default) =>
        database.WriteAsync(
            async ct => await Context.RefreshTokens
                .Where(t => t.Id == id && t.NextId == null)
                .ExecuteUpdateAsync(u => u.SetProperty(t => t.NextId, nextId).SetProperty(t => t.ExpiresAt, expiresAt), ct)
                .ConfigureAwait(false) == 1,
            cancellationToken);

    public Task<bool> RevokeAsync(string id, CancellationToken cancellationToken = default) =>
        database.WriteAsync(
            async ct => await Context.RefreshTokens.Where(t => t.Id == id).ExecuteDeleteAsync(ct).ConfigureAwait(false) > 0,
            cancellationToken);

    public Task<int> RevokeAllAsync(string did, string? appPasswordName = null, CancellationToken cancellationToken = default) =>
        database.WriteAsync(
            ct => appPasswordName is null
                ? Context.RefreshTokens.Where(t => t.Did == did).ExecuteDeleteAsync(ct)
                : Context.RefreshTokens.Where(t => t.Did == did && t.AppPasswordName == appPasswordName).ExecuteDeleteAsync(ct),
            cancellationToken);

    public Task<int> DeleteExpiredAsync(string did, DateTime now, CancellationToken cancellationToken = default) =>
        database.WriteAsync(
            async ct =>
            {
                // A rotated token whose grace period is over stays as long as its successor does, so a
                // late reuse of it is recognised and revokes the family instead of passing unnoticed.
                var expired = await Context.RefreshTokens
                    .Where(t => t.Did == did && t.ExpiresAt <= now && t.NextId == null)
                    .ExecuteDeleteAsync(ct)
                    .ConfigureAwait(false);
                var orphaned = await Context.RefreshTokens
                    .Where(t => t.Did == did && t.NextId != null && t.ExpiresAt <= now
                        && !Context.RefreshTokens.Any(n => n.Id == t.NextId))
                    .ExecuteDeleteAsync(ct)
                    .ConfigureAwait(false);
                return expired + orphaned;
            },
            cancellationToken);
}
