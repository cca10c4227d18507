using System.Security.Cryptography;
using System.Text;

namespace Pds.Domain.Auth;

/// <summary>Comparisons of secrets whose running time does not depend on where the inputs differ.</summary>
public static class ConstantTime
{
    /// <summary>Byte comparison in time that depends only on the lengths.</summary>
    public static bool SecretEquals(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right) =>
        CryptographicOperations.FixedTimeEquals(left, right);

    /// <summary>
    /// Compares two secret strings (for example an admin password against the configured one). Both
    /// sides are reduced to SHA-256 digests of their UTF-8 bytes first, so neither the position of the
    /// first difference nor the length of the expected secret shows in the timing. Null never matches.
    /// </summary>
    public static bool SecretEquals(string? provided, string? expected)
    {
        if (provided is null || expected is null)
        {
            return false;
        }

        Span<byte> a = stackalloc byte[32];
        Span<byte> b = stackalloc byte[32];
        DigestUtf8(provided, a);
        DigestUtf8(expected, b);
        var equal = CryptographicOperations.FixedTimeEquals(a, b);
        CryptographicOperations.ZeroMemory(a);
        CryptographicOperations.ZeroMemory(b);
        return equal;
    }

    private static void DigestUtf8(string value, Span<byte> digest)
    {
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        var rented = max <= 512 ? null : new byte[max];
        Span<byte> buffer = rented ?? stackalloc byte[512];
        var written = Encoding.UTF8.GetBytes(value, buffer);
        SHA256.HashData(buffer[..written], digest);
        CryptographicOperations.ZeroMemory(buffer[..written]);
    }
}
