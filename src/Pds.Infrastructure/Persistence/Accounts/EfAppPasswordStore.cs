using Microsoft.EntityFrameworkCore;
using Pds.Application.Common.Abstractions;
using Pds.Infrastructure.Persistence.Rows;

namespace Pds.Infrastructure.Persistence.Accounts;

public sealed class EfAppPasswordStore(PdsDatabase database) : IAppPasswordStore
{
    private PdsDbContext Context => database.Context;

    public Task CreateAsync(string did, AppPasswordInfo info, string passwordHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(info);
        return database.WriteAsync(
            async ct =>
            {
                if (await Context.AppPasswords.AnyAsync(p => p.Did == did && p.Name == info.Name, ct).ConfigureAwait(false))
                {
                    throw new AccountConflictException("App password name already in use");
                }

                Context.AppPasswords.Add(new AppPasswordRow
                {
                    Did = did,
                    Name = info.Name,
                    PasswordHash = passwordHash,
                    Privileged = info.Privileged,
                    CreatedAt = info.CreatedAt,
                });
                try
                {
                    await Context.SaveChangesAsync(ct).ConfigureAwait(false);
                }
                catch (DbUpdateException e)
                {
                    throw new AccountConflictException("App password name already in use", e);
                }

                return true;
            },
            cancellationToken);
    }

    public async Task<IReadOnlyList<AppPasswordInfo>> ListAsync(string did, CancellationToken cancellationToken = default) =>
        await Context.AppPasswords.AsNoTracking()
            .Where(p => p.Did == did)
            .OrderBy(p => p.CreatedAt)
            .Select(p => new AppPasswordInfo(p.Name, p.CreatedAt, p.Privileged))
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);

    public async Task<IReadOnlyList<(AppPasswordInfo Info, string PasswordHash)>> ListWithHashesAsync(string did, CancellationToken cancellationToken = default)
    {
        var rows = await Context.AppPasswords.AsNoTracking()
            .Where(p => p.Did == did)
            .OrderBy(p => p.CreatedAt)
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        return rows.Select(p => (new AppPasswordInfo(p.Name, p.CreatedAt, p.Privileged), p.PasswordHash)).ToList();
    }

    public Task<bool> DeleteAsync(string did, string name, CancellationToken cancellationToken = default) =>
        database.WriteAsync(
            async ct => await Context.AppPasswords.Where(p => p.Did == did && p.Name == name).ExecuteDeleteAsync(ct).ConfigureAwait(false) > 0,
            cancellationToken);
}
