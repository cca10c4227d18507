using System.Text;

namespace Pds.Domain.Syntax;

/// <summary>
/// The Lexicon <c>uri</c> format: any RFC 3986 URI scheme (<c>ALPHA *(ALPHA / DIGIT / "+" / "-" / ".")</c>)
/// followed by <c>:</c>, an optional <c>//</c>, and a non-empty remainder that does not start
/// with <c>/</c> and contains no whitespace or control characters; at most 8 KiB of UTF-8.
/// This is a shape check, not a full RFC 3986 parse, matching how atproto validates the format.
/// </summary>
public static class UriSyntax
{
    public const int MaxBytes = 8 * 1024;

    public static bool IsValid(string? s) => s is not null && IsValid(s.AsSpan());

    public static bool IsValid(ReadOnlySpan<char> s)
    {
        if (s.Length == 0 || s.Length > MaxBytes || !SyntaxChars.IsAlpha(s[0]))
        {
            return false;
        }

        var i = 1;
        while (i < s.Length && (SyntaxChars.IsAlphaNumeric(s[i]) || s[i] is '+' or '-' or '.'))
        {
            i++;
        }

        if (i == s.Length || s[i] != ':')
        {
            return false;
        }

        i++;
        if (s[i..].StartsWith("//", StringComparison.Ordinal))
        {
            i += 2;
        }

        if (i == s.Length || s[i] == '/')
        {
            return false;
        }

        var ascii = true;
        for (; i < s.Length; i++)
        {
            var c = s[i];
            if (c <= ' ' || c == '\u007f' || char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return false;
            }

            ascii &= c < 0x80;
        }

        return ascii || Encoding.UTF8.GetByteCount(s) <= MaxBytes;
    }
}
