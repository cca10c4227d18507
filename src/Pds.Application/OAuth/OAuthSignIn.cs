using Pds.Application.Common.Abstractions;
using Pds.Domain.Auth;

namespace Pds.Application.OAuth;

/// <summary>
/// Signs a user in on the authorization pages with the account password (app passwords are for
/// legacy clients, not OAuth). Unknown identifiers cost the same hashing as known ones.
/// </summary>
public sealed class OAuthSignIn(IAccountStore accounts)
{
    private static readonly string DecoyHash = PasswordHasher.NewDecoy();

    /// <summary>The account's DID, or null with a message to show.</summary>
    public async Task<(string? Did, string? Error)> SignInAsync(string? identifier, string? password, CancellationToken cancellationToken)
    {
        identifier = identifier?.Trim() ?? string.Empty;
        password ??= string.Empty;
        if (identifier.Length == 0 || password.Length == 0)
        {
            return (null, "Enter your handle or email and your password.");
        }

        var account = await FindAsync(identifier, cancellationToken).ConfigureAwait(false);
        var hash = account is null ? null : await accounts.GetPasswordHashAsync(account.Did, cancellationToken).ConfigureAwait(false);
        var ok = await PasswordHasher.VerifyAsync(password, hash ?? DecoyHash, cancellationToken).ConfigureAwait(false) && hash is not null;
        if (!ok || account is null)
        {
            return (null, "Wrong identifier or password.");
        }

        if (account.IsTakendown)
        {
            return (null, "This account has been taken down.");
        }

        return (account.Did, null);
    }

    /// <summary>The account a handle, email or DID names, or null.</summary>
    public async Task<AccountInfo?> FindAsync(string identifier, CancellationToken cancellationToken) =>
        identifier.Contains('@', StringComparison.Ordinal)
            ? await accounts.GetByEmailAsync(identifier, cancellationToken).ConfigureAwait(false)
            : identifier.StartsWith("did:", StringComparison.Ordinal)
                ? await accounts.GetByDidAsync(identifier, cancellationToken).ConfigureAwait(false)
                : await accounts.GetByHandleAsync(identifier.TrimStart('@').ToLowerInvariant(), cancellationToken).ConfigureAwait(false);
}
