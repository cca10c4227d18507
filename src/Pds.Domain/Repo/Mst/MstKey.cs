using System.Buffers;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace Pds.Domain.Repo.Mst;

/// <summary>
/// MST keys: repository paths (<c>collection/rkey</c>) as UTF-8 bytes, their depth in the tree
/// (leading zero bits of SHA-256 counted in 2-bit chunks, fanout 4), and the prefix compression
/// length between neighbouring keys.
/// </summary>
public static class MstKey
{
    /// <summary>Maximum key length in bytes.</summary>
    public const int MaxLength = 1024;

    /// <summary>The depth ("height", "layer") of a key: leading zero bits of SHA-256(key), halved.</summary>
    public static int Height(ReadOnlySpan<byte> key)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(key, hash);
        var zeros = 0;
        foreach (var b in hash)
        {
            if (b == 0)
            {
                zeros += 8;
                continue;
            }

            zeros += BitOperations.LeadingZeroCount((uint)b) - 24;
            break;
        }

        return zeros / 2;
    }

    /// <summary>The depth of a key given as a string (hashed as UTF-8).</summary>
    public static int Height(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var max = Encoding.UTF8.GetMaxByteCount(key.Length);
        byte[]? rented = null;
        var buffer = max <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var n = Encoding.UTF8.GetBytes(key, buffer);
            return Height(buffer[..n]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Number of leading bytes two keys share.</summary>
    public static int CommonPrefixLength(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right) => left.CommonPrefixLength(right);

    /// <summary>Number of leading UTF-8 bytes two keys share.</summary>
    public static int CommonPrefixLength(string left, string right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        if (Ascii.IsValid(left) && Ascii.IsValid(right))
        {
            return left.AsSpan().CommonPrefixLength(right);
        }

        return Encoding.UTF8.GetBytes(left).AsSpan().CommonPrefixLength(Encoding.UTF8.GetBytes(right));
    }

    /// <summary>
    /// True for a valid repository path: <c>collection/rkey</c>, exactly two non-empty segments,
    /// only <c>A-Za-z0-9 . - _ ~ :</c> besides the single slash, neither segment <c>.</c> or <c>..</c>,
    /// at most <see cref="MaxLength"/> bytes.
    /// </summary>
    public static bool IsValid(string? key) => key is not null && Check(key) is null;

    /// <summary>Throws <see cref="InvalidMstKeyException"/> unless <paramref name="key"/> is a valid repository path.</summary>
    public static void Validate(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (Check(key) is { } reason)
        {
            throw new InvalidMstKeyException(key, reason);
        }
    }

    private static string? Check(string key)
    {
        if (key.Length == 0)
        {
            return "empty";
        }

        if (key.Length > MaxLength)
        {
            return $"longer than {MaxLength} bytes";
        }

        var slash = -1;
        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            if (c == '/')
            {
                if (slash >= 0)
                {
                    return "more than two path segments";
                }

                slash = i;
            }
            else if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '~' or ':'))
            {
                return $"character '{(c < 0x20 || c > 0x7e ? $"\\u{(int)c:x4}" : c.ToString())}' is not allowed";
            }
        }

        if (slash < 0)
        {
            return "expected collection/rkey";
        }

        var collection = key.AsSpan(0, slash);
        var rkey = key.AsSpan(slash + 1);
        if (collection.Length == 0 || rkey.Length == 0)
        {
            return "empty path segment";
        }

        if (collection is "." or ".." || rkey is "." or "..")
        {
            return "path segments '.' and '..' are not allowed";
        }

        return null;
    }
}
