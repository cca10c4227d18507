using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Pds.Application.Common.Abstractions;
using Pds.Domain.Data;
using Pds.Infrastructure.Persistence.Rows;

namespace Pds.Infrastructure.Persistence.Accounts;

/// <summary>
/// Emailed tokens in the reference PDS's shape (<c>ABCDE-FGHIJ</c>, base32 upper-case), stored as
/// their SHA-256 so the database never holds a usable token.
/// </summary>
public sealed class EfEmailTokenStore(PdsDatabase database, TimeProvider clock) : IEmailTokenStore
{
    private PdsDbContext Context => database.Context;

    public Task<string> CreateAsync(string did, EmailTokenPurpose purpose, CancellationToken cancellationToken = default)
    {
        var token = NewToken();
        var purposeName = Name(purpose);
        return database.WriteAsync(
            async ct =>
            {
                await Context.EmailTokens.Where(t => t.Purpose == purposeName && t.Did == did).ExecuteDeleteAsync(ct).ConfigureAwait(false);
                Context.EmailTokens.Add(new EmailTokenRow
                {
                    Purpose = purposeName,
                    Did = did,
                    TokenHash = Hash(token),
                    RequestedAt = clock.GetUtcNow().UtcDateTime,
                });
                await Context.SaveChangesAsync(ct).ConfigureAwait(false);
                return token;
            },
            cancellationToken);
    }

    public async Task<EmailTokenCheck> ConsumeAsync(string did, EmailTokenPurpose purpose, string token, CancellationToken cancellationToken = default)
    {
        var (check, _) = await ConsumeWhereAsync(purpose, token, did, cancellationToken).ConfigureAwait(false);
        return check;
    }

    public Task<(EmailTokenCheck Check, string? Did)> ConsumeAnyAsync(EmailTokenPurpose purpose, string token, CancellationToken cancellationToken = default) =>
        ConsumeWhereAsync(purpose, token, null, cancellationToken);

    public Task DeleteAllAsync(string did, CancellationToken cancellationToken = default) =>
        database.WriteAsync(
            async ct =>
            {
                await Context.EmailTokens.Where(t => t.Did == did).ExecuteDeleteAsync(ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    private Task<(EmailTokenCheck Check, string? Did)> ConsumeWhereAsync(EmailTokenPurpose purpose, string token, string? did, CancellationToken cancellationToken)
    {
        var purposeName = Name(purpose);
        var hash = Hash(token ?? string.Empty);
        return database.WriteAsync(
            async ct =>
            {
                // The lookup is by hash; the hashes themselves are compared by the database, which
                // reveals nothing useful about a token since an attacker cannot choose hash prefixes.
                var row = await Context.EmailTokens
                    .SingleOrDefaultAsync(t => t.Purpose == purposeName && t.TokenHash == hash && (did == null || t.Did == did), ct)
                    .ConfigureAwait(false);
                if (row is null)
                {
                    return (EmailTokenCheck.Invalid, (string?)null);
                }

                var expired = row.RequestedAt + IEmailTokenStore.Lifetime < clock.GetUtcNow().UtcDateTime;
                Context.EmailTokens.Remove(row);
                await Context.SaveChangesAsync(ct).ConfigureAwait(false);
                return expired ? (EmailTokenCheck.Expired, null) : (EmailTokenCheck.Valid, row.Did);
            },
            cancellationToken);
    }

    private static string Name(EmailTokenPurpose purpose) => purpose switch
    {
        EmailTokenPurpose.ConfirmEmail => "confirm_email",
        EmailTokenPurpose.UpdateEmail => "update_email",
        EmailTokenPurpose.ResetPassword => "reset_password",
        EmailTokenPurpose.DeleteAccount => "delete_account",
        EmailTokenPurpose.PlcOperation => "plc_operation",
        _ => throw new ArgumentOutOfRangeException(nameof(purpose)),
    };

    private static string NewToken()
    {
        Span<byte> random = stackalloc byte[8];
        RandomNumberGenerator.Fill(random);
        var encoded = Base32.Encode(random).ToUpperInvariant();
        return string.Concat(encoded.AsSpan(0, 5), "-", encoded.AsSpan(5, 5));
    }

    private static string Hash(string token)
    {
        var normalized = token.Trim().ToUpperInvariant();
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalized)));
    }
}
