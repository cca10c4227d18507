using Microsoft.EntityFrameworkCore;
using Pds.Application.Common.Abstractions;
using Pds.Infrastructure.Persistence.Rows;

namespace Pds.Infrastructure.Persistence.Accounts;

/// <summary>
/// Accounts in the shared database. Handles and emails are stored lower-case. Accounts read by
/// DID outside a write transaction are shared with the process's other requests for a moment
/// (<see cref="AccountCache"/>); every change here forgets them.
/// </summary>
public sealed class EfAccountStore(PdsDatabase database, AccountCache cache) : IAccountStore
{
    private PdsDbContext Context => database.Context;

    // Looked up on nearly every request: compiled once instead of going through the query cache.
    private static readonly Func<PdsDbContext, string, CancellationToken, Task<AccountInfo?>> ByDid = EF.CompileAsyncQuery<PdsDbContext, string, AccountInfo?>(
        (PdsDbContext c, string did, CancellationToken ct) => c.Accounts.AsNoTracking()
            .Where(a => a.Did == did)
            .Select(a => new AccountInfo(a.Did, a.Handle, a.Email, a.EmailConfirmedAt, a.CreatedAt, a.DeactivatedAt, a.DeleteAfter, a.TakedownRef, a.InvitesDisabled))
            .SingleOrDefault());

    private static readonly Func<PdsDbContext, string, CancellationToken, Task<AccountInfo?>> ByHandle = EF.CompileAsyncQuery<PdsDbContext, string, AccountInfo?>(
        (PdsDbContext c, string handle, CancellationToken ct) => c.Accounts.AsNoTracking()
            .Where(a => a.Handle == handle)
            .Select(a => new AccountInfo(a.Did, a.Handle, a.Email, a.EmailConfirmedAt, a.CreatedAt, a.DeactivatedAt, a.DeleteAfter, a.TakedownRef, a.InvitesDisabled))
            .SingleOrDefault());

    // The last account looked up by DID in this scope (a request): authentication and the
    // handler both ask for the caller's account. Kept only outside write transactions and only
    // until a write transaction begins in this scope.
    private (string Did, long Generation, AccountInfo? Account)? _lastByDid;

    public async Task<AccountInfo?> GetByDidAsync(string did, CancellationToken cancellationToken = default)
    {
        if (database.InTransaction)
        {
            return await ByDid(Context, did, cancellationToken).ConfigureAwait(false);
        }

        if (_lastByDid is { } last && last.Did == did && last.Generation == database.WriteGeneration)
        {
            return last.Account;
        }

        if (!cache.TryGet(did, out var account))
        {
            var stamp = cache.Stamp;
            account = await ByDid(Context, did, cancellationToken).ConfigureAwait(false);
            if (account is not null)
            {
                cache.Add(account, stamp);
            }
        }

        _lastByDid = (did, database.WriteGeneration, account);
        return account;
    }

    public Task<AccountInfo?> GetByHandleAsync(string handle, CancellationToken cancellationToken = default) =>
        ByHandle(Context, handle.ToLowerInvariant(), cancellationToken);

    public Task<AccountInfo?> GetByEmailAsync(string email, CancellationToken cancellationToken = default)
    {
        var normalized = email.ToLowerInvariant();
        return FindAsync(a => a.Email == normalized, cancellationToken);
    }

    public async Task<string?> GetPasswordHashAsync(string did, CancellationToken cancellationToken = default) =>
        await Context.Accounts.AsNoTracking()
            .Where(a => a.Did == did)
            .Select(a => a.PasswordHash)
            .SingleOrDefaultAsync(cancellationToken)
            .ConfigureAwait(false);

    public Task CreateAsync(NewAccount account, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        return database.WriteAsync(
            async ct =>
            {
                var handle = account.Handle?.ToLowerInvariant();
                var email = account.Email?.ToLowerInvariant();
                var conflict = await Context.Accounts.AsNoTracking()
                    .Where(a => a.Did == account.Did || (handle != null && a.Handle == handle) || (email != null && a.Email == email))
                    .Select(a => new { a.Did, a.Handle, a.Email })
                    .FirstOrDefaultAsync(ct)
                    .ConfigureAwait(false);
                if (conflict is not null)
                {
                    throw new AccountConflictException(
                        conflict.Did == account.Did ? "DID already registered"
                        : conflict.Handle == handle ? $"Handle already taken: {handle}"
                        : $"Email already taken: {email}");
                }

                Changed(account.Did);
                Context.Accounts.Add(new AccountRow
                {
                    Did = account.Did,
                    Handle = handle,
                    Email = email,
                    PasswordHash = account.PasswordHash,
                    CreatedAt = account.CreatedAt,
                    DeactivatedAt = account.Deactivated ? account.CreatedAt : null,
                });
                await SaveAsync(ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
    }

    public Task UpdateHandleAsync(string did, string handle, CancellationToken cancellationToken = default)
    {
        var normalized = handle.ToLowerInvariant();
        return database.WriteAsync(
            async ct =>
            {
                var taken = await Context.Accounts.AnyAsync(a => a.Handle == normalized && a.Did != did, ct).ConfigureAwait(false);
                if (taken)
                {
                    throw new AccountConflictException($"Handle already taken: {normalized}");
                }

                await UpdateAsync(did, a => a.Handle = normalized, ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
    }

    public Task UpdateEmailAsync(string did, string email, CancellationToken cancellationToken = default)
    {
        var normalized = email.ToLowerInvariant();
        return database.WriteAsync(
            async ct =>
            {
                var taken = await Context.Accounts.AnyAsync(a => a.Email == normalized && a.Did != did, ct).ConfigureAwait(false);
                if (taken)
                {
                    throw new AccountConflictException("This email address is already in use, please use a different email.");
                }

                await UpdateAsync(
                    did,
                    a =>
                    {
                        a.Email = normalized;
                        a.EmailConfirmedAt = null;
                    },
                    ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
    }

    public Task SetEmailConfirmedAsync(string did, DateTime confirmedAt, CancellationToken cancellationToken = default) =>
        WriteAsync(did, a => a.EmailConfirmedAt = confirmedAt, cancellationToken);

    public Task UpdatePasswordHashAsync(string did, string passwordHash, CancellationToken cancellationToken = default) =>
        WriteAsync(did, a => a.PasswordHash = passwordHash, cancellationToken);

    public Task SetDeactivatedAsync(string did, DateTime? deactivatedAt, DateTime? deleteAfter, CancellationToken cancellationToken = default) =>
        WriteAsync(
            did,
            a =>
            {
                a.DeactivatedAt = deactivatedAt;
                a.DeleteAfter = deactivatedAt is null ? null : deleteAfter;
            },
            cancellationToken);

    public Task SetTakedownAsync(string did, string? takedownRef, CancellationToken cancellationToken = default) =>
        WriteAsync(did, a => a.TakedownRef = takedownRef, cancellationToken);

    public Task SetInvitesDisabledAsync(string did, bool disabled, CancellationToken cancellationToken = default) =>
        WriteAsync(did, a => a.InvitesDisabled = disabled, cancellationToken);

    public async Task<IReadOnlyList<(AccountInfo Account, RepoRootInfo Root)>> ListWithRootsAsync(string? afterDid, int limit, CancellationToken cancellationToken = default)
    {
        var query = from a in Context.Accounts.AsNoTracking()
                    join r in Context.RepoRoots.AsNoTracking() on a.Did equals r.Did
                    select new { a, r };
        if (afterDid is not null)
        {
            query = query.Where(x => string.Compare(x.a.Did, afterDid) > 0);
        }

        var rows = await query.OrderBy(x => x.a.Did).Take(limit).ToListAsync(cancellationToken).ConfigureAwait(false);
        return rows.Select(x => (
            new AccountInfo(x.a.Did, x.a.Handle, x.a.Email, x.a.EmailConfirmedAt, x.a.CreatedAt, x.a.DeactivatedAt, x.a.DeleteAfter, x.a.TakedownRef, x.a.InvitesDisabled),
            new RepoRootInfo(x.r.Cid, x.r.Rev, x.r.IndexedAt))).ToList();
    }

    public async Task<IReadOnlyList<AccountInfo>> SearchAsync(string? emailContains, string? afterDid, int limit, CancellationToken cancellationToken = default)
    {
        var query = Context.Accounts.AsNoTracking();
        if (!string.IsNullOrEmpty(emailContains))
        {
            var needle = emailContains.ToLowerInvariant();
            query = query.Where(a => a.Email != null && a.Email.Contains(needle));
        }

        if (afterDid is not null)
        {
            query = query.Where(a => string.Compare(a.Did, afterDid) > 0);
        }

        return await query.OrderBy(a => a.Did).Take(limit)
            .Select(a => new AccountInfo(a.Did, a.Handle, a.Email, a.EmailConfirmedAt, a.CreatedAt, a.DeactivatedAt, a.DeleteAfter, a.TakedownRef, a.InvitesDisabled))
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
    }

    public Task DeleteAsync(string did, CancellationToken cancellationToken = default) =>
        database.WriteAsync(
            async ct =>
            {
                await database.LockActorAsync(did, ct).ConfigureAwait(false);
                Changed(did);
                await Context.RecordBlobs.Where(r => r.Did == did).ExecuteDeleteAsync(ct).ConfigureAwait(false);
                await Context.Blobs.Where(r => r.Did == did).ExecuteDeleteAsync(ct).ConfigureAwait(false);
                await Context.Records.Where(r => r.Did == did).ExecuteDeleteAsync(ct).ConfigureAwait(false);
                await Context.RepoBlocks.Where(r => r.Did == did).ExecuteDeleteAsync(ct).ConfigureAwait(false);
                await Context.RepoRoots.Where(r => r.Did == did).ExecuteDeleteAsync(ct).ConfigureAwait(false);
                await Context.RefreshTokens.Where(r => r.Did == did).ExecuteDeleteAsync(ct).ConfigureAwait(false);
                await Context.AppPasswords.Where(r => r.Did == did).ExecuteDeleteAsync(ct).ConfigureAwait(false);
                await Context.EmailTokens.Where(r => r.Did == did).ExecuteDeleteAsync(ct).ConfigureAwait(false);
                await Context.OAuthSessions.Where(r => r.Did == did).ExecuteDeleteAsync(ct).ConfigureAwait(false);
                await Context.OAuthConsents.Where(r => r.Did == did).ExecuteDeleteAsync(ct).ConfigureAwait(false);
                await Context.OAuthDeviceAccounts.Where(r => r.Did == did).ExecuteDeleteAsync(ct).ConfigureAwait(false);
                await Context.AccountPreferences.Where(r => r.Did == did).ExecuteDeleteAsync(ct).ConfigureAwait(false);
                await Context.ActorSigningKeys.Where(r => r.Did == did).ExecuteDeleteAsync(ct).ConfigureAwait(false);
                await Context.ReservedKeys.Where(r => r.KeyFor == did).ExecuteDeleteAsync(ct).ConfigureAwait(false);
                await Context.Accounts.Where(r => r.Did == did).ExecuteDeleteAsync(ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    private async Task<AccountInfo?> FindAsync(System.Linq.Expressions.Expression<Func<AccountRow, bool>> predicate, CancellationToken cancellationToken) =>
        await Context.Accounts.AsNoTracking()
            .Where(predicate)
            .Select(a => new AccountInfo(a.Did, a.Handle, a.Email, a.EmailConfirmedAt, a.CreatedAt, a.DeactivatedAt, a.DeleteAfter, a.TakedownRef, a.InvitesDisabled))
            .SingleOrDefaultAsync(cancellationToken)
            .ConfigureAwait(false);

    private Task WriteAsync(string did, Action<AccountRow> change, CancellationToken cancellationToken) =>
        database.WriteAsync(
            async ct =>
            {
                await UpdateAsync(did, change, ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    private async Task UpdateAsync(string did, Action<AccountRow> change, CancellationToken cancellationToken)
    {
        var row = await Context.Accounts.SingleOrDefaultAsync(a => a.Did == did, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("No such account.");
        Changed(did);
        change(row);
        await SaveAsync(cancellationToken).ConfigureAwait(false);
    }

    // Inside the write transaction that changes the account: no copy read before its commit
    // outlives it, in this scope or in the process's cache.
    private void Changed(string did)
    {
        cache.Forget(did);
        database.AfterTransaction(() => cache.Forget(did));
    }

    private async Task SaveAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DbUpdateException e)
        {
            // The unique indexes are the last word when two requests race for one handle or email.
            throw new AccountConflictException("Handle or email already taken", e);
        }
    }
}
