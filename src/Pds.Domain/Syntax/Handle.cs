using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Pds.Domain.Syntax;

/// <summary>
/// An atproto handle: a DNS hostname of at least two labels, at most 253 characters, whose
/// top-level label does not start with a digit. Handles are case-insensitive and are normalized
/// to lower case when parsed.
/// </summary>
[JsonConverter(typeof(SyntaxJsonConverter<Handle>))]
public sealed class Handle : IEquatable<Handle>, IParsable<Handle>
{
    public const int MaxLength = 253;

    /// <summary>
    /// The handle the protocol uses to say "this account's handle failed verification".
    /// </summary>
    public static readonly Handle Invalid = new("handle.invalid");

    // Special-use TLDs that are syntactically valid but must not be registered as handles.
    private static readonly string[] DisallowedTlds =
        ["local", "arpa", "invalid", "localhost", "internal", "example", "onion", "alt"];

    private readonly string _value;

    private Handle(string normalized) => _value = normalized;

    /// <summary>
    /// True when the top-level domain is special-use (.local, .arpa, .invalid, .localhost,
    /// .internal, .example, .onion, .alt); a server refuses such handles for registration even
    /// though their syntax is valid.
    /// </summary>
    public bool HasDisallowedTld => HasDisallowedTldCore(_value);

    /// <summary>The top-level domain label (the part after the last period).</summary>
    public string Tld => _value[(_value.LastIndexOf('.') + 1)..];

    /// <summary>True when <paramref name="handle"/> ends in one of the disallowed special-use TLDs (any case).</summary>
    public static bool IsDisallowedTld(string handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return HasDisallowedTldCore(handle);
    }

    private static bool HasDisallowedTldCore(ReadOnlySpan<char> handle)
    {
        var dot = handle.LastIndexOf('.');
        var tld = handle[(dot + 1)..];
        foreach (var d in DisallowedTlds)
        {
            if (tld.Equals(d, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Wraps a string already known to be valid handle syntax, normalizing its case.</summary>
    internal static Handle FromValidated(string s) => new(Normalize(s));

    public static Handle Parse(string s) => Parse(s, null);

    public static Handle Parse(string s, IFormatProvider? provider)
    {
        ArgumentNullException.ThrowIfNull(s);
        var error = Validate(s);
        return error is null ? new Handle(Normalize(s)) : throw new FormatException($"Invalid handle: {error}.");
    }

    public static bool TryParse([NotNullWhen(true)] string? s, [MaybeNullWhen(false)] out Handle result) =>
        TryParse(s, null, out result);

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, [MaybeNullWhen(false)] out Handle result)
    {
        if (s is not null && Validate(s) is null)
        {
            result = new Handle(Normalize(s));
            return true;
        }

        result = null;
        return false;
    }

    /// <summary>True when <paramref name="s"/> is valid handle syntax (any case).</summary>
    public static bool IsValid(ReadOnlySpan<char> s) => Validate(s) is null;

    internal static string? Validate(ReadOnlySpan<char> s)
    {
        if (s.Length == 0)
        {
            return "empty";
        }

        if (s.Length > MaxLength)
        {
            return "longer than 253 characters";
        }

        var error = SyntaxChars.ValidateLabels(s, out var labels);
        if (error is not null)
        {
            return error;
        }

        if (labels < 2)
        {
            return "must have at least two segments";
        }

        if (SyntaxChars.IsDigit(s[s.LastIndexOf('.') + 1]))
        {
            return "the top-level domain must not start with a digit";
        }

        return null;
    }

    private static string Normalize(string s)
    {
        foreach (var c in s)
        {
            if ((uint)(c - 'A') <= 'Z' - 'A')
            {
                return s.ToLowerInvariant();
            }
        }

        return s;
    }

    public bool Equals(Handle? other) => other is not null && string.Equals(_value, other._value, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is Handle other && Equals(other);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(_value);

    public override string ToString() => _value;

    public static bool operator ==(Handle? left, Handle? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(Handle? left, Handle? right) => !(left == right);
}
