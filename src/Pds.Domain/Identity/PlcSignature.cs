using System.Buffers.Text;

namespace Pds.Domain.Identity;

/// <summary>
/// The <c>sig</c> field encoding of PLC operations: base64url (RFC 4648 section 5) without padding.
/// Decoding is strict so that a signature has exactly one string form; otherwise the same
/// signature could be re-encoded (changing the operation's CID) without invalidating it.
/// Rejected: padding characters, whitespace or line breaks, characters outside the URL-safe
/// alphabet, impossible lengths, and non-zero trailing padding bits.
/// </summary>
public static class PlcSignature
{
    /// <summary>Length of a compact (r || s) ECDSA signature on P-256 or secp256k1.</summary>
    public const int CompactLength = 64;

    public static string Encode(ReadOnlySpan<byte> signature) => Base64Url.EncodeToString(signature);

    /// <summary>Strictly decodes a <c>sig</c> string; returns false for any non-canonical encoding.</summary>
    public static bool TryDecode(string? text, out byte[] signature)
    {
        signature = [];
        if (string.IsNullOrEmpty(text) || text.Length % 4 == 1)
        {
            return false;
        }

        var last = 0;
        foreach (var c in text)
        {
            last = SextetOf(c);
            if (last < 0)
            {
                return false;
            }
        }

        // 2 or 3 trailing characters carry 4 or 2 bits beyond the final whole byte; they must be zero.
        var unusedBitsMask = (text.Length % 4) switch
        {
            2 => 0b1111,
            3 => 0b11,
            _ => 0,
        };
        if ((last & unusedBitsMask) != 0)
        {
            return false;
        }

        signature = Base64Url.DecodeFromChars(text);
        return true;
    }

    /// <summary>Decodes a <c>sig</c> string that must be a strict encoding of a 64-byte compact signature.</summary>
    /// <exception cref="PlcValidationException">With <see cref="PlcValidationError.InvalidSignatureEncoding"/>.</exception>
    public static byte[] DecodeCompact(string? text)
    {
        if (!TryDecode(text, out var bytes))
        {
            throw new PlcValidationException(PlcValidationError.InvalidSignatureEncoding, "signature is not strict unpadded base64url");
        }

        if (bytes.Length != CompactLength)
        {
            throw new PlcValidationException(PlcValidationError.InvalidSignatureEncoding, $"signature must be {CompactLength} bytes, got {bytes.Length}");
        }

        return bytes;
    }

    private static int SextetOf(char c) => c switch
    {
        >= 'A' and <= 'Z' => c - 'A',
        >= 'a' and <= 'z' => c - 'a' + 26,
        >= '0' and <= '9' => c - '0' + 52,
        '-' => 62,
        '_' => 63,
        _ => -1,
    };
}
