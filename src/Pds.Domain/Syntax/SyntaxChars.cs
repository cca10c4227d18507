namespace Pds.Domain.Syntax;

/// <summary>ASCII character classes shared by the syntax scanners.</summary>
internal static class SyntaxChars
{
    public static bool IsAlpha(char c) => (uint)((c | 0x20) - 'a') <= 'z' - 'a';

    public static bool IsDigit(char c) => (uint)(c - '0') <= 9;

    public static bool IsAlphaNumeric(char c) => IsAlpha(c) || IsDigit(c);

    public static bool IsLowerAlpha(char c) => (uint)(c - 'a') <= 'z' - 'a';

    /// <summary>
    /// Validates a DNS-style hostname as atproto uses it for handles and NSID authorities:
    /// at least two labels of 1-63 ASCII letters, digits or hyphens, no label starting or ending
    /// with a hyphen. Returns the error, or null when valid. Label-order rules (which label may
    /// not start with a digit) are left to the caller.
    /// </summary>
    public static string? ValidateLabels(ReadOnlySpan<char> s, out int labelCount)
    {
        labelCount = 0;
        var start = 0;
        for (var i = 0; i <= s.Length; i++)
        {
            if (i < s.Length && s[i] != '.')
            {
                var c = s[i];
                if (!IsAlphaNumeric(c) && c != '-')
                {
                    return "contains a character other than ASCII letters, digits, hyphens and periods";
                }

                continue;
            }

            var len = i - start;
            if (len == 0)
            {
                return "has an empty segment";
            }

            if (len > 63)
            {
                return "has a segment longer than 63 characters";
            }

            if (s[start] == '-' || s[i - 1] == '-')
            {
                return "has a segment that starts or ends with a hyphen";
            }

            labelCount++;
            start = i + 1;
        }

        return null;
    }
}
