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

    /// <summary>
    /// Hashes a new password with a fresh random salt. Throws if it is longer than
    /// <see cref="NewPasswordMaxLength"/>. The caller holds no thread while the derivation waits or
    /// runs (see <see cref="Scrypt.DeriveKeyAsync"/>).
    /// </summary>
    public static async Task<string> HashAsync(string password, CancellationToken cancellationToken = default)
    {
        CheckNewPassword(password);
        return await HashWithSaltAsync(password, NewSalt(), cancellationToken).ConfigureAwait(false);
    }

    private static void CheckNewPassword(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (password.Length > NewPasswordMaxLength)
        {
            throw new ArgumentException(
                $"Password too long. Maximum length is {NewPasswordMaxLength} characters.", nameof(password));
        }
    }

    private static string NewSalt()
    {
        Span<byte> salt = stackalloc byte[SaltLength];
        RandomNumberGenerator.Fill(salt);
        return Convert.ToHexStringLower(salt);
    }

    /// <summary>
    /// Hashes with a given salt text (the part before the colon in the stored form). Deterministic;
    /// used for app passwords, whose salt derives from the DID.
    /// </summary>
    public static async Task<string> HashWithSaltAsync(string password, string salt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(salt);
        return Stored(salt, await DeriveAsync(password, salt, cancellationToken).ConfigureAwait(false));
    }

    private static string Stored(string salt, byte[] derived)
    {
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
    /// A well-formed stored value of a random salt and a random hash, which no password matches
    /// (but by a chance of 2^-512): verifying a password against it costs what checking a real
    /// one does, so a login for an account that does not exist takes as long as one that does.
    /// </summary>
    public static string NewDecoy() =>
        Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(SaltLength)) + ":"
        + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(HashLength));

    /// <summary>
    /// Checks a password against a stored <c>salt:hash</c>. Malformed stored values and passwords
    /// longer than <see cref="OldPasswordMaxLength"/> never match; nothing throws for bad input.
    /// The derived hash is compared in constant time.
    /// </summary>
    public static async Task<bool> VerifyAsync(string? password, string? stored, CancellationToken cancellationToken = default) =>
        TryParse(password, stored, out var salt, out var expected)
        && Matches(await DeriveAsync(password!, salt, cancellationToken).ConfigureAwait(false), expected);

    // A password worth deriving, and the salt text and hash of a well-formed stored value.
    private static bool TryParse(string? password, string? stored, out string salt, out byte[] expected)
    {
        salt = "";
        expected = [];
        if (password is null || password.Length > OldPasswordMaxLength
            || !TrySplit(stored, out var saltText, out var hashHex))
        {
            return false;
        }

        var hash = new byte[HashLength];
        if (Convert.FromHexString(hashHex, hash, out _, out var written) != System.Buffers.OperationStatus.Done
            || written != HashLength)
        {
            return false;
        }

        salt = saltText.ToString();
        expected = hash;
        return true;
    }

    // Compares in constant time, then wipes the derived key.
    private static bool Matches(byte[] derived, byte[] expected)
    {
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
    /// 128 lowercase hex hash characters), so it should be replaced by <see cref="HashAsync"/> after the next
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

    private static async Task<byte[]> DeriveAsync(string password, string salt, CancellationToken cancellationToken)
    {
        var passwordBytes = Encoding.UTF8.GetBytes(password);
        try
        {
            var derived = new byte[HashLength];
            await Scrypt.DeriveKeyAsync(passwordBytes, Encoding.UTF8.GetBytes(salt), CostN, BlockSize, Parallelism, derived, cancellationToken).ConfigureAwait(false);
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
