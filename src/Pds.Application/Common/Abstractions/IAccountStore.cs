using Pds.Domain.Crypto;

namespace Pds.Application.Common.Abstractions;

/// <summary>
/// Runs a unit of work in one database transaction (joining the open one when nested). Every store
/// method that changes data takes part in the caller's transaction when there is one.
/// </summary>
public interface IUnitOfWork
{
    Task<T> WriteAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken = default);

    /// <summary>
    /// Inside <see cref="WriteAsync{T}"/>: serializes this transaction with every other one that takes
    /// the same <paramref name="key"/>, across server processes, until it ends.
    /// </summary>
    Task LockAsync(string key, CancellationToken cancellationToken = default);
}

/// <summary>An account as stored (the reference PDS's account manager).</summary>
public sealed record AccountInfo(
    string Did,
    string? Handle,
    string? Email,
    DateTime? EmailConfirmedAt,
    DateTime CreatedAt,
    DateTime? DeactivatedAt,
    DateTime? DeleteAfter,
    string? TakedownRef,
    bool InvitesDisabled)
{
    public bool IsTakendown => TakedownRef is not null;

    public bool IsDeactivated => DeactivatedAt is not null;

    public bool IsActive => !IsTakendown && !IsDeactivated;
}

public sealed record NewAccount(string Did, string? Handle, string? Email, string? PasswordHash, DateTime CreatedAt, bool Deactivated);

/// <summary>
/// Accounts: DID, handle, email (stored lower-case), password hash and status. Handles and emails
/// are unique; lookups by handle and email are exact on the normalized (lower-case) value.
/// </summary>
public interface IAccountStore
{
    Task<AccountInfo?> GetByDidAsync(string did, CancellationToken cancellationToken = default);

    Task<AccountInfo?> GetByHandleAsync(string handle, CancellationToken cancellationToken = default);

    Task<AccountInfo?> GetByEmailAsync(string email, CancellationToken cancellationToken = default);

    Task<string?> GetPasswordHashAsync(string did, CancellationToken cancellationToken = default);

    /// <summary>Inserts an account; throws <see cref="AccountConflictException"/> when the DID, handle or email is taken.</summary>
    Task CreateAsync(NewAccount account, CancellationToken cancellationToken = default);

    /// <summary>Throws <see cref="AccountConflictException"/> when another account has the handle.</summary>
    Task UpdateHandleAsync(string did, string handle, CancellationToken cancellationToken = default);

    /// <summary>Sets a new email and clears its confirmation; throws <see cref="AccountConflictException"/> when taken.</summary>
    Task UpdateEmailAsync(string did, string email, CancellationToken cancellationToken = default);

    Task SetEmailConfirmedAsync(string did, DateTime confirmedAt, CancellationToken cancellationToken = default);

    Task UpdatePasswordHashAsync(string did, string passwordHash, CancellationToken cancellationToken = default);

    /// <summary>Deactivates (with an optional deletion date) or, with null, reactivates the account.</summary>
    Task SetDeactivatedAsync(string did, DateTime? deactivatedAt, DateTime? deleteAfter, CancellationToken cancellationToken = default);

    Task SetTakedownAsync(string did, string? takedownRef, CancellationToken cancellationToken = default);

    Task SetInvitesDisabledAsync(string did, bool disabled, CancellationToken cancellationToken = default);

    /// <summary>Accounts with a repository, in DID order after <paramref name="afterDid"/>, with their heads.</summary>
    Task<IReadOnlyList<(AccountInfo Account, RepoRootInfo Root)>> ListWithRootsAsync(string? afterDid, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Accounts in DID order after <paramref name="afterDid"/>, every status included; with
    /// <paramref name="emailContains"/>, only those whose (lower-case) email contains it.
    /// </summary>
    Task<IReadOnlyList<AccountInfo>> SearchAsync(string? emailContains, string? afterDid, int limit, CancellationToken cancellationToken = default);

    /// <summary>Removes the account and everything stored for it (keys, sessions, repository, records, blobs' index).</summary>
    Task DeleteAsync(string did, CancellationToken cancellationToken = default);
}

public sealed class AccountConflictException : Exception
{
    public AccountConflictException()
    {
    }

    public AccountConflictException(string message)
        : base(message)
    {
    }

    public AccountConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Repository signing keys, encrypted at rest under the server's key-encryption key. Reserved keys
/// (com.atproto.server.reserveSigningKey) wait for an account, keyed by the DID they were reserved
/// for or, without one, by their own did:key.
/// </summary>
public interface IRepoKeyStore
{
    Task StoreAsync(string did, IKeypair key, CancellationToken cancellationToken = default);

    Task<IKeypair?> GetAsync(string did, CancellationToken cancellationToken = default);

    /// <summary>Returns the did:key of the key reserved for <paramref name="did"/>, creating it when there is none.</summary>
    Task<string> ReserveAsync(string? did, CancellationToken cancellationToken = default);

    /// <summary>The key reserved under <paramref name="didOrDidKey"/>, if any, left in place.</summary>
    Task<IKeypair?> GetReservedAsync(string didOrDidKey, CancellationToken cancellationToken = default);

    /// <summary>Removes and returns the key reserved under <paramref name="didOrDidKey"/>, if any.</summary>
    Task<IKeypair?> TakeReservedAsync(string didOrDidKey, CancellationToken cancellationToken = default);
}

public sealed record RefreshTokenInfo(string Id, string Did, string? AppPasswordName, DateTime ExpiresAt, string? NextId);

/// <summary>Refresh tokens: only the jti is stored, never the token.</summary>
public interface IRefreshTokenStore
{
    Task StoreAsync(RefreshTokenInfo token, CancellationToken cancellationToken = default);

    Task<RefreshTokenInfo?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records the successor of a token and shortens its life to the grace window. Returns false when
    /// the token was already rotated (a concurrent refresh won).
    /// </summary>
    Task<bool> MarkRotatedAsync(string id, string nextId, DateTime expiresAt, CancellationToken cancellationToken = default);

    Task<bool> RevokeAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Revokes every token of the account, or only those of one app password.</summary>
    Task<int> RevokeAllAsync(string did, string? appPasswordName = null, CancellationToken cancellationToken = default);

    Task<int> DeleteExpiredAsync(string did, DateTime now, CancellationToken cancellationToken = default);
}

public sealed record AppPasswordInfo(string Name, DateTime CreatedAt, bool Privileged);

public interface IAppPasswordStore
{
    /// <summary>Throws <see cref="AccountConflictException"/> when the name is in use.</summary>
    Task CreateAsync(string did, AppPasswordInfo info, string passwordHash, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<AppPasswordInfo>> ListAsync(string did, CancellationToken cancellationToken = default);

    /// <summary>Every app password of the account with its stored hash, for verification.</summary>
    Task<IReadOnlyList<(AppPasswordInfo Info, string PasswordHash)>> ListWithHashesAsync(string did, CancellationToken cancellationToken = default);

    Task<bool> DeleteAsync(string did, string name, CancellationToken cancellationToken = default);
}

public sealed record InviteCodeUse(string UsedBy, DateTime UsedAt);

public sealed record InviteCodeInfo(
    string Code,
    int AvailableUses,
    bool Disabled,
    string ForAccount,
    string CreatedBy,
    DateTime CreatedAt,
    IReadOnlyList<InviteCodeUse> Uses);

public interface IInviteCodeStore
{
    Task CreateAsync(IReadOnlyList<InviteCodeInfo> codes, CancellationToken cancellationToken = default);

    Task<InviteCodeInfo?> GetAsync(string code, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<InviteCodeInfo>> ListForAccountAsync(string did, CancellationToken cancellationToken = default);

    /// <summary>Records a use; false when the code is unknown, disabled or used up (checked in the same transaction).</summary>
    Task<bool> TryUseAsync(string code, string usedBy, DateTime usedAt, CancellationToken cancellationToken = default);

    Task DisableAsync(IReadOnlyList<string> codes, IReadOnlyList<string> accounts, CancellationToken cancellationToken = default);

    /// <summary>Every invite code with its uses (for the admin; the table stays small).</summary>
    Task<IReadOnlyList<InviteCodeInfo>> ListAllAsync(CancellationToken cancellationToken = default);

    /// <summary>The code the account signed up with, if any.</summary>
    Task<InviteCodeInfo?> GetUsedByAsync(string did, CancellationToken cancellationToken = default);
}

/// <summary>Purposes of emailed one-time tokens, as the reference PDS names them.</summary>
public enum EmailTokenPurpose
{
    ConfirmEmail,
    UpdateEmail,
    ResetPassword,
    DeleteAccount,
    PlcOperation,
}

public enum EmailTokenCheck
{
    Valid,
    Invalid,
    Expired,
}

/// <summary>
/// Emailed one-time tokens: one live token per account and purpose, stored hashed, valid for
/// <see cref="Lifetime"/> and consumed on use.
/// </summary>
public interface IEmailTokenStore
{
    static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);

    /// <summary>Issues a new token (replacing any earlier one for the same purpose) and returns it.</summary>
    Task<string> CreateAsync(string did, EmailTokenPurpose purpose, CancellationToken cancellationToken = default);

    /// <summary>Checks a token and, when valid, consumes it.</summary>
    Task<EmailTokenCheck> ConsumeAsync(string did, EmailTokenPurpose purpose, string token, CancellationToken cancellationToken = default);

    /// <summary>Checks a token presented without an account and, when valid, consumes it and returns its account.</summary>
    Task<(EmailTokenCheck Check, string? Did)> ConsumeAnyAsync(EmailTokenPurpose purpose, string token, CancellationToken cancellationToken = default);

    /// <summary>
    /// Discards every outstanding token of the account, whatever its purpose: tokens were mailed to
    /// an address the account no longer has, so none may be used any more.
    /// </summary>
    Task DeleteAllAsync(string did, CancellationToken cancellationToken = default);
}
