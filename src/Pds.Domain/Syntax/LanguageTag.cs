using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Pds.Domain.Syntax;

/// <summary>
/// A BCP 47 language tag (RFC 5646) as atproto accepts it for the Lexicon <c>language</c> format:
/// a well-formed tag (<c>language[-script][-region]*(-variant)*(-extension)[-x-private]</c>,
/// a private-use tag <c>x-...</c>, or an irregular grandfathered tag such as <c>i-default</c>),
/// where the primary language subtag is two or three lower-case letters.
/// <see cref="IsWellFormed"/> is the Lexicon syntax check; parsing additionally requires a
/// "valid" tag in the RFC's sense of having no repeated variant or extension singleton
/// (RFC 5646 §2.2.5, §2.2.6), since such tags are to be ignored by consumers.
/// Tags compare case-insensitively, as the RFC specifies.
/// </summary>
[JsonConverter(typeof(SyntaxJsonConverter<LanguageTag>))]
public sealed class LanguageTag : IEquatable<LanguageTag>, IParsable<LanguageTag>
{
    /// <summary>A generous bound; the longest registered tags are well under this.</summary>
    public const int MaxLength = 128;

    private static readonly string[] IrregularGrandfathered =
    [
        "en-GB-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon", "i-lux", "i-mingo",
        "i-navajo", "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-BE-FR", "sgn-BE-NL", "sgn-CH-DE",
    ];

    private readonly string _value;

    private LanguageTag(string value) => _value = value;

    /// <summary>The primary language subtag (e.g. <c>pt</c> for <c>pt-BR</c>).</summary>
    public string Language
    {
        get
        {
            var dash = _value.IndexOf('-', StringComparison.Ordinal);
            return dash < 0 ? _value : _value[..dash];
        }
    }

    public static LanguageTag Parse(string s) => Parse(s, null);

    public static LanguageTag Parse(string s, IFormatProvider? provider)
    {
        ArgumentNullException.ThrowIfNull(s);
        var error = Check(s, requireValid: true);
        return error is null ? new LanguageTag(s) : throw new FormatException($"Invalid language tag: {error}.");
    }

    public static bool TryParse([NotNullWhen(true)] string? s, [MaybeNullWhen(false)] out LanguageTag result) =>
        TryParse(s, null, out result);

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, [MaybeNullWhen(false)] out LanguageTag result)
    {
        if (s is not null && Check(s, requireValid: true) is null)
        {
            result = new LanguageTag(s);
            return true;
        }

        result = null;
        return false;
    }

    /// <summary>The Lexicon <c>language</c> syntax check: a well-formed tag (duplicates allowed).</summary>
    public static bool IsWellFormed(ReadOnlySpan<char> s) => Check(s, requireValid: false) is null;

    /// <summary>Well-formed and free of repeated variants or extension singletons.</summary>
    public static bool IsValid(ReadOnlySpan<char> s) => Check(s, requireValid: true) is null;

    private static string? Check(ReadOnlySpan<char> s, bool requireValid)
    {
        if (s.Length == 0)
        {
            return "empty";
        }

        if (s.Length > MaxLength)
        {
            return "too long";
        }

        foreach (var g in IrregularGrandfathered)
        {
            if (s.Equals(g, StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }
        }

        var reader = new SubtagReader(s);
        var first = reader.Next();
        if (first.Length == 1 && (first[0] | 0x20) == 'x')
        {
            return PrivateUse(ref reader);
        }

        if (first.Length is < 2 or > 3 || !AllLowerAlpha(first))
        {
            return "the primary language subtag must be two or three lower-case letters";
        }

        var subtag = reader.Next();

        // extlang: up to three 3-letter subtags
        for (var n = 0; n < 3 && subtag.Length == 3 && AllAlpha(subtag); n++)
        {
            subtag = reader.Next();
        }

        // script
        if (subtag.Length == 4 && AllAlpha(subtag))
        {
            subtag = reader.Next();
        }

        // region
        if ((subtag.Length == 2 && AllAlpha(subtag)) || (subtag.Length == 3 && AllDigit(subtag)))
        {
            subtag = reader.Next();
        }

        // variants
        Span<Range> variants = stackalloc Range[16];
        var variantCount = 0;
        while (IsVariant(subtag))
        {
            if (requireValid)
            {
                for (var v = 0; v < variantCount; v++)
                {
                    if (s[variants[v]].Equals(subtag, StringComparison.OrdinalIgnoreCase))
                    {
                        return "a variant subtag is repeated";
                    }
                }

                if (variantCount == variants.Length)
                {
                    return "too many variant subtags";
                }

                variants[variantCount++] = reader.LastRange;
            }

            subtag = reader.Next();
        }

        // extensions: singleton (not 'x') followed by one or more 2-8 alphanumeric subtags
        Span<bool> seenSingletons = stackalloc bool[36];
        while (subtag.Length == 1 && (subtag[0] | 0x20) != 'x' && SyntaxChars.IsAlphaNumeric(subtag[0]))
        {
            var c = subtag[0];
            var index = SyntaxChars.IsDigit(c) ? c - '0' : 10 + ((c | 0x20) - 'a');
            if (requireValid && seenSingletons[index])
            {
                return "an extension singleton is repeated";
            }

            seenSingletons[index] = true;
            var count = 0;
            subtag = reader.Next();
            while (subtag.Length is >= 2 and <= 8 && AllAlphaNumeric(subtag))
            {
                count++;
                subtag = reader.Next();
            }

            if (count == 0)
            {
                return "an extension singleton must be followed by at least one 2-8 character subtag";
            }
        }

        if (subtag.Length == 1 && (subtag[0] | 0x20) == 'x')
        {
            return PrivateUse(ref reader);
        }

        if (reader.Failed)
        {
            return "has an empty subtag";
        }

        return subtag.Length == 0 && reader.AtEnd ? null : "has a subtag out of place or of the wrong form";
    }

    private static string? PrivateUse(ref SubtagReader reader)
    {
        var count = 0;
        while (true)
        {
            var subtag = reader.Next();
            if (subtag.Length == 0)
            {
                break;
            }

            if (subtag.Length > 8 || !AllAlphaNumeric(subtag))
            {
                return "private-use subtags must be 1-8 letters or digits";
            }

            count++;
        }

        if (reader.Failed)
        {
            return "has an empty subtag";
        }

        return count == 0 ? "'x' must be followed by at least one private-use subtag" : null;
    }

    private static bool IsVariant(ReadOnlySpan<char> t) =>
        ((t.Length is >= 5 and <= 8) || (t.Length == 4 && SyntaxChars.IsDigit(t[0]))) && AllAlphaNumeric(t);

    private static bool AllAlpha(ReadOnlySpan<char> t)
    {
        foreach (var c in t)
        {
            if (!SyntaxChars.IsAlpha(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool AllLowerAlpha(ReadOnlySpan<char> t)
    {
        foreach (var c in t)
        {
            if (!SyntaxChars.IsLowerAlpha(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool AllDigit(ReadOnlySpan<char> t)
    {
        foreach (var c in t)
        {
            if (!SyntaxChars.IsDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool AllAlphaNumeric(ReadOnlySpan<char> t)
    {
        foreach (var c in t)
        {
            if (!SyntaxChars.IsAlphaNumeric(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Splits on '-', flagging empty subtags (leading, trailing or doubled hyphens).</summary>
    private ref struct SubtagReader(ReadOnlySpan<char> s)
    {
        private readonly ReadOnlySpan<char> _s = s;
        private int _pos;

        public bool Failed { get; private set; }

        public readonly bool AtEnd => _pos > _s.Length;

        public Range LastRange { get; private set; }

        /// <summary>The next subtag, or empty at the end or on an empty subtag (then <see cref="Failed"/>).</summary>
        public ReadOnlySpan<char> Next()
        {
            if (_pos > _s.Length || Failed)
            {
                return default;
            }

            var rest = _s[_pos..];
            var dash = rest.IndexOf('-');
            var len = dash < 0 ? rest.Length : dash;
            if (len == 0)
            {
                Failed = true;
                return default;
            }

            LastRange = new Range(_pos, _pos + len);
            _pos += len + 1;
            return rest[..len];
        }
    }

    public bool Equals(LanguageTag? other) =>
        other is not null && string.Equals(_value, other._value, StringComparison.OrdinalIgnoreCase);

    public override bool Equals(object? obj) => obj is LanguageTag other && Equals(other);

    public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(_value);

    public override string ToString() => _value;

    public static bool operator ==(LanguageTag? left, LanguageTag? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(LanguageTag? left, LanguageTag? right) => !(left == right);
}
