using System.Security.Cryptography;
using System.Text;

namespace Pds.Domain.Auth;

/// <summary>
/// Account password hashing in the reference PDS's stored format, so databases migrated from it keep
/// working. The format is <c>salt:hash</c>: <c>salt</c> is 16 random bytes written as 32 lowercase hex
/// characters, and <c>hash</c> is scrypt(N = 16384, r = 8, p = 1, 64-byte output) written as 128
/// lowercase hex characters. The KDF's salt input is the UTF-8 bytes of the hex <em>text</em>, not the
/// 16 decoded bytes, and the password input is its UTF-8 encoding; both follow Node's
/// <c>crypto.scrypt(password, salt, 64)</c> with string arguments.
/// </summary>
public static class PasswordHasher
{
    /// <summary>scrypt cost parameter N (Node's default).</summary>
    public const int CostN = 16384;

    /// <summary>scrypt block size r (Node's default).</summary>
    public const int BlockSize = 8;

    /// <summary>scrypt parallelism p (Node's default).</summary>
    public const int Parallelism = 1;

    /// <summary>Derived key length in bytes.</summary>
    public const int HashLength = 64;

    /// <summary>Random salt length in bytes (stored as twice as many hex characters).</summary>
    public const int SaltLength = 16;

    /// <summary>Longest password accepted when setting a password (UTF-16 code units, as JavaScript counts).</summary>
    public const int NewPasswordMaxLength = 256;

    /// <summary>Longest password accepted when checking one; older accounts may have longer passwords than new ones allow.</summary>
    public const int OldPasswordMaxLength = 512;

    private const int StoredHashHexLength = HashLength * 2;

    /// <summary>Hashes a new password with a fresh random salt. Throws if it is longer than <see cref="NewPasswordMaxLength"/>.</summary>
    public static string Hash(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (password.Length > NewPasswordMaxLength)
        {
            throw new ArgumentException(
                $"Password too long. Maximum length is {NewPasswordMaxLength} characters.", nameof(password));
        }

        Span<byte> salt = stackalloc byte[SaltLength];
        RandomNumberGenerator.Fill(salt);
        return HashWithSalt(password, Convert.ToHexStringLower(salt));
    }

    /// <summary>
    /// Hashes with a given salt text (the part before the colon in the stored form). Deterministic;
    /// used for app passwords, whose salt derives from the DID.
    /// </summary>
    public static string HashWithSalt(string password, string salt)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(salt);
        var derived = Derive(password, salt);
        try
        {
            return salt + ":" + Convert.ToHexStringLower(derived);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(derived);
        }
    }

    /// <summary>
    /// Checks a password against a stored <c>salt:hash</c>. Malformed stored values and passwords
    /// longer than <see cref="OldPasswordMaxLength"/> never match; nothing throws for bad input.
    /// The derived hash is compared in constant time.
    /// </summary>
    public static bool Verify(string? password, string? stored)
    {
        if (password is null || password.Length > OldPasswordMaxLength
            || !TrySplit(stored, out var salt, out var hashHex))
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[HashLength];
        if (Convert.FromHexString(hashHex, expected, out _, out var written) != System.Buffers.OperationStatus.Done
            || written != HashLength)
        {
            return false;
        }

        var derived = Derive(password, salt.ToString());
        try
        {
            return CryptographicOperations.FixedTimeEquals(derived, expected);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(derived);
        }
    }

    /// <summary>
    /// True when a stored value is not in the canonical current form (32 lowercase hex salt characters,
    /// 128 lowercase hex hash characters), so it should be replaced by <see cref="Hash"/> after the next
    /// successful login. The scrypt parameters are not stored in the format, so they cannot differ.
    /// </summary>
    public static bool NeedsRehash(string? stored) =>
        !TrySplit(stored, out var salt, out var hashHex)
        || salt.Length != SaltLength * 2
        || !IsLowerHex(salt)
        || !IsLowerHex(hashHex);

    /// <summary>True if the password may be set as a new password (not null, at most <see cref="NewPasswordMaxLength"/>).</summary>
    public static bool IsAcceptableNewPassword(string? password) =>
        password is not null && password.Length <= NewPasswordMaxLength;

    internal static byte[] Derive(string password, string salt)
    {
        var passwordBytes = Encoding.UTF8.GetBytes(password);
        try
        {
            var derived = new byte[HashLength];
            Scrypt.DeriveKey(passwordBytes, Encoding.UTF8.GetBytes(salt), CostN, BlockSize, Parallelism, derived);
            return derived;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passwordBytes);
        }
    }

    private static bool TrySplit(string? stored, out ReadOnlySpan<char> salt, out ReadOnlySpan<char> hashHex)
    {
        salt = default;
        hashHex = default;
        if (stored is null)
        {
            return false;
        }

        var colon = stored.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || stored.Length - colon - 1 != StoredHashHexLength)
        {
            return false;
        }

        salt = stored.AsSpan(0, colon);
        hashHex = stored.AsSpan(colon + 1);
        return salt.IndexOf(':') < 0;
    }

    private static bool IsLowerHex(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return false;
            }
        }

        return true;
    }
}
