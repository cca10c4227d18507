using System.Security.Cryptography;
using System.Text;

namespace Pds.Domain.Auth;

/// <summary>
/// App passwords as the reference PDS creates them: 16 characters of the RFC 4648 lowercase base32
/// alphabet in four dash-separated groups (<c>xxxx-xxxx-xxxx-xxxx</c>, 80 bits of entropy), stored
/// as a <see cref="PasswordHasher"/> <c>salt:hash</c> whose salt is the hex of the first 16 bytes of
/// SHA-256(DID). The hash is therefore deterministic per account, which lets a login look the app
/// password up by its hash.
/// </summary>
public static class AppPasswords
{
    /// <summary>The base32 (RFC 4648, lowercase, no padding) alphabet the characters come from.</summary>
    public const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>Length of the formatted password including the three dashes.</summary>
    public const int Length = 19;

    /// <summary>Generates a new app password, for example <c>k3d7-qzpa-2mfx-v6ob</c>.</summary>
    public static string Generate()
    {
        Span<char> chars = stackalloc char[16];
        RandomNumberGenerator.GetItems(Alphabet, chars);
        return string.Create(Length, chars, static (dest, src) =>
        {
            for (int group = 0, d = 0; group < 4; group++)
            {
                if (group > 0)
                {
                    dest[d++] = '-';
                }

                src.Slice(group * 4, 4).CopyTo(dest[d..]);
                d += 4;
            }
        });
    }

    /// <summary>True if <paramref name="password"/> has the shape <see cref="Generate"/> produces.</summary>
    public static bool IsFormatted(ReadOnlySpan<char> password)
    {
        if (password.Length != Length)
        {
            return false;
        }

        for (var i = 0; i < Length; i++)
        {
            var ok = i % 5 == 4 ? password[i] == '-' : Alphabet.Contains(password[i], StringComparison.Ordinal);
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The salt text for an account's app passwords: hex of the first 16 bytes of SHA-256(UTF-8 DID).</summary>
    public static string Salt(string did)
    {
        ArgumentNullException.ThrowIfNull(did);
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(did), digest);
        return Convert.ToHexStringLower(digest[..16]);
    }

    /// <summary>
    /// The stored <c>salt:hash</c> for an app password of <paramref name="did"/>; a login looks up the hash of
    /// the password it is given. The caller holds no thread while the derivation waits or runs.
    /// </summary>
    public static Task<string> HashAsync(string did, string password, CancellationToken cancellationToken = default)
    {
        CheckLength(password);
        return PasswordHasher.HashWithSaltAsync(password, Salt(did), cancellationToken);
    }

    private static void CheckLength(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (password.Length > PasswordHasher.OldPasswordMaxLength)
        {
            throw new ArgumentException("Password too long.", nameof(password));
        }
    }
}
