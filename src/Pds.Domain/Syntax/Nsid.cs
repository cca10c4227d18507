using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Pds.Domain.Syntax;

/// <summary>
/// A namespaced identifier such as <c>com.atproto.repo.createRecord</c>: a reversed domain
/// authority (at least two labels, the first starting with a letter) followed by a name of ASCII
/// letters and digits that does not start with a digit. At most 317 characters. NSIDs are
/// case-sensitive as written and are not force-lowercased.
/// </summary>
[JsonConverter(typeof(SyntaxJsonConverter<Nsid>))]
public sealed class Nsid : IEquatable<Nsid>, IParsable<Nsid>
{
    public const int MaxLength = 317;

    private readonly string _value;
    private readonly int _nameStart;

    private Nsid(string value, int nameStart)
    {
        _value = value;
        _nameStart = nameStart;
    }

    /// <summary>The name segment (the last segment), e.g. <c>createRecord</c>.</summary>
    public string Name => _value[_nameStart..];

    /// <summary>
    /// The domain authority in DNS order and lower case, e.g. <c>repo.atproto.com</c> for
    /// <c>com.atproto.repo.createRecord</c>.
    /// </summary>
    public string Authority
    {
        get
        {
            var parts = _value[..(_nameStart - 1)].Split('.');
            Array.Reverse(parts);
            return string.Join('.', parts).ToLowerInvariant();
        }
    }

    /// <summary>All period-separated segments, in NSID order.</summary>
    public IReadOnlyList<string> Segments => _value.Split('.');

    /// <summary>Wraps a string already known to be valid NSID syntax.</summary>
    internal static Nsid FromValidated(string s) => new(s, s.LastIndexOf('.') + 1);

    public static Nsid Parse(string s) => Parse(s, null);

    public static Nsid Parse(string s, IFormatProvider? provider)
    {
        ArgumentNullException.ThrowIfNull(s);
        var error = Validate(s, out var nameStart);
        return error is null ? new Nsid(s, nameStart) : throw new FormatException($"Invalid NSID: {error}.");
    }

    public static bool TryParse([NotNullWhen(true)] string? s, [MaybeNullWhen(false)] out Nsid result) =>
        TryParse(s, null, out result);

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, [MaybeNullWhen(false)] out Nsid result)
    {
        if (s is not null && Validate(s, out var nameStart) is null)
        {
            result = new Nsid(s, nameStart);
            return true;
        }

        result = null;
        return false;
    }

    /// <summary>True when <paramref name="s"/> is valid NSID syntax.</summary>
    public static bool IsValid(ReadOnlySpan<char> s) => Validate(s, out _) is null;

    /// <summary>Builds an NSID from a DNS-order authority (e.g. <c>example.com</c>) and a name.</summary>
    public static Nsid Create(string authority, string name)
    {
        ArgumentNullException.ThrowIfNull(authority);
        ArgumentNullException.ThrowIfNull(name);
        var parts = authority.Split('.');
        Array.Reverse(parts);
        return Parse(string.Join('.', parts) + "." + name);
    }

    private static string? Validate(ReadOnlySpan<char> s, out int nameStart)
    {
        nameStart = 0;
        if (s.Length == 0)
        {
            return "empty";
        }

        if (s.Length > MaxLength)
        {
            return "longer than 317 characters";
        }

        var lastDot = s.LastIndexOf('.');
        if (lastDot < 0)
        {
            return "must have at least three segments";
        }

        // The spec also caps the authority at 253 characters, but the interop vectors accept a
        // longer one within the 317 overall limit, so only the overall limit is enforced.
        var authority = s[..lastDot];
        var error = SyntaxChars.ValidateLabels(authority, out var labels);
        if (error is not null)
        {
            return "the domain authority " + error;
        }

        if (labels < 2)
        {
            return "must have at least three segments";
        }

        if (!SyntaxChars.IsAlpha(s[0]))
        {
            return "the first segment must start with a letter";
        }

        var name = s[(lastDot + 1)..];
        if (name.Length == 0)
        {
            return "the name segment is empty";
        }

        if (name.Length > 63)
        {
            return "the name segment is longer than 63 characters";
        }

        if (!SyntaxChars.IsAlpha(name[0]))
        {
            return "the name segment must start with a letter";
        }

        foreach (var c in name)
        {
            if (!SyntaxChars.IsAlphaNumeric(c))
            {
                return "the name segment may contain only ASCII letters and digits";
            }
        }

        nameStart = lastDot + 1;
        return null;
    }

    public bool Equals(Nsid? other) => other is not null && string.Equals(_value, other._value, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is Nsid other && Equals(other);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(_value);

    public override string ToString() => _value;

    public static bool operator ==(Nsid? left, Nsid? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(Nsid? left, Nsid? right) => !(left == right);
}
