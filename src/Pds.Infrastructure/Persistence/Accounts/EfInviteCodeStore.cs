using Microsoft.EntityFrameworkCore;
using Pds.Application.Common.Abstractions;
using Pds.Infrastructure.Persistence.Rows;

namespace Pds.Infrastructure.Persistence.Accounts;

public sealed class EfInviteCodeStore(PdsDatabase database) : IInviteCodeStore
{
    private PdsDbContext Context => database.Context;

    public Task CreateAsync(IReadOnlyList<InviteCodeInfo> codes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(codes);
        return database.WriteAsync(
            async ct =>
            {
                foreach (var code in codes)
                {
                    Context.InviteCodes.Add(new InviteCodeRow
                    {
                        Code = code.Code,
                        AvailableUses = code.AvailableUses,
                        Disabled = code.Disabled,
                        ForAccount = code.ForAccount,
                        CreatedBy = code.CreatedBy,
                        CreatedAt = code.CreatedAt,
                    });
                }

                await Context.SaveChangesAsync(ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
    }

    public async Task<InviteCodeInfo?> GetAsync(string code, CancellationToken cancellationToken = default) =>
        (await LoadAsync(Context.InviteCodes.Where(c => c.Code == code), cancellationToken).ConfigureAwait(false)).SingleOrDefault();

    public Task<IReadOnlyList<InviteCodeInfo>> ListForAccountAsync(string did, CancellationToken cancellationToken = default) =>
        LoadAsync(Context.InviteCodes.Where(c => c.ForAccount == did), cancellationToken);

    public Task<bool> TryUseAsync(string code, string usedBy, DateTime usedAt, CancellationToken cancellationToken = default) =>
        database.WriteAsync(
            async ct =>
            {
                // The lock keyed on the code serializes concurrent uses on PostgreSQL; SQLite has one writer.
                await database.LockActorAsync("invite|" + code, ct).ConfigureAwait(false);
                var row = await Context.InviteCodes.AsNoTracking().SingleOrDefaultAsync(c => c.Code == code, ct).ConfigureAwait(false);
                if (row is null || row.Disabled)
                {
                    return false;
                }

                var used = await Context.InviteCodeUses.CountAsync(u => u.Code == code, ct).ConfigureAwait(false);
                if (used >= row.AvailableUses)
                {
                    return false;
                }

                Context.InviteCodeUses.Add(new InviteCodeUseRow { Code = code, UsedBy = usedBy, UsedAt = usedAt });
                await Context.SaveChangesAsync(ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    public Task DisableAsync(IReadOnlyList<string> codes, IReadOnlyList<string> accounts, CancellationToken cancellationToken = default) =>
        database.WriteAsync(
            async ct =>
            {
                await Context.InviteCodes
                    .Where(c => codes.Contains(c.Code) || accounts.Contains(c.ForAccount))
                    .ExecuteUpdateAsync(u => u.SetProperty(c => c.Disabled, true), ct)
                    .ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    public Task<IReadOnlyList<InviteCodeInfo>> ListAllAsync(CancellationToken cancellationToken = default) =>
        LoadAsync(Context.InviteCodes, cancellationToken);

    public async Task<InviteCodeInfo?> GetUsedByAsync(string did, CancellationToken cancellationToken = default)
    {
        var code = await Context.InviteCodeUses.AsNoTracking()
            .Where(u => u.UsedBy == did)
            .Select(u => u.Code)
            .FirstOrDefaultAsync(cancellationToken)
            .ConfigureAwait(false);
        return code is null ? null : await GetAsync(code, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<InviteCodeInfo>> LoadAsync(IQueryable<InviteCodeRow> query, CancellationToken cancellationToken)
    {
        var rows = await query.AsNoTracking().OrderBy(c => c.CreatedAt).ToListAsync(cancellationToken).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            return [];
        }

        var codes = rows.Select(r => r.Code).ToList();
        var uses = await Context.InviteCodeUses.AsNoTracking()
            .Where(u => codes.Contains(u.Code))
            .OrderBy(u => u.UsedAt)
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        var byCode = uses.ToLookup(u => u.Code);
        return rows.Select(r => new InviteCodeInfo(
            r.Code,
            r.AvailableUses,
            r.Disabled,
            r.ForAccount,
            r.CreatedBy,
            r.CreatedAt,
            byCode[r.Code].Select(u => new InviteCodeUse(u.UsedBy, u.UsedAt)).ToList())).ToList();
    }
}
