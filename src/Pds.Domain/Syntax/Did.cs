using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Pds.Domain.Syntax;

/// <summary>
/// A decentralized identifier as atproto accepts it: <c>did:method:identifier</c>, lower-case
/// method, identifier of <c>[A-Za-z0-9._:%-]</c> not ending in <c>:</c> or <c>%</c>, at most
/// 2048 characters. DIDs are case-sensitive and are compared ordinally.
/// </summary>
[JsonConverter(typeof(SyntaxJsonConverter<Did>))]
public sealed class Did : IEquatable<Did>, IParsable<Did>
{
    public const int MaxLength = 2048;

    private readonly string _value;
    private readonly int _methodEnd;

    private Did(string value, int methodEnd)
    {
        _value = value;
        _methodEnd = methodEnd;
    }

    /// <summary>The DID method, such as <c>plc</c> or <c>web</c>.</summary>
    public string Method => _value[4.._methodEnd];

    /// <summary>The method-specific identifier (everything after the method's colon).</summary>
    public string Identifier => _value[(_methodEnd + 1)..];

    public bool IsPlc => MethodIs("plc");

    public bool IsWeb => MethodIs("web");

    public bool MethodIs(string method) =>
        _value.AsSpan(4, _methodEnd - 4).SequenceEqual(method);

    /// <summary>Wraps a string already known to be valid DID syntax.</summary>
    internal static Did FromValidated(string s) => new(s, s.IndexOf(':', 4));

    public static Did Parse(string s) => Parse(s, null);

    public static Did Parse(string s, IFormatProvider? provider)
    {
        ArgumentNullException.ThrowIfNull(s);
        var error = Validate(s, out var methodEnd);
        return error is null ? new Did(s, methodEnd) : throw new FormatException($"Invalid DID: {error}.");
    }

    public static bool TryParse([NotNullWhen(true)] string? s, [MaybeNullWhen(false)] out Did result) =>
        TryParse(s, null, out result);

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, [MaybeNullWhen(false)] out Did result)
    {
        if (s is not null && Validate(s, out var methodEnd) is null)
        {
            result = new Did(s, methodEnd);
            return true;
        }

        result = null;
        return false;
    }

    /// <summary>True when <paramref name="s"/> is valid atproto DID syntax.</summary>
    public static bool IsValid(ReadOnlySpan<char> s) => Validate(s, out _) is null;

    private static string? Validate(ReadOnlySpan<char> s, out int methodEnd)
    {
        methodEnd = 0;
        if (s.Length > MaxLength)
        {
            return "longer than 2048 characters";
        }

        if (!s.StartsWith("did:", StringComparison.Ordinal))
        {
            return "must start with 'did:'";
        }

        var i = 4;
        while (i < s.Length && SyntaxChars.IsLowerAlpha(s[i]))
        {
            i++;
        }

        if (i == 4)
        {
            return "the method must be one or more lower-case letters";
        }

        if (i >= s.Length || s[i] != ':')
        {
            return "the method must be lower-case letters followed by ':'";
        }

        methodEnd = i;
        i++;
        if (i == s.Length)
        {
            return "the method-specific identifier is empty";
        }

        for (; i < s.Length; i++)
        {
            var c = s[i];
            if (!SyntaxChars.IsAlphaNumeric(c) && c != '.' && c != '_' && c != ':' && c != '%' && c != '-')
            {
                return "the identifier contains a character outside [A-Za-z0-9._:%-]";
            }
        }

        var last = s[^1];
        if (last == ':' || last == '%')
        {
            return "must not end with ':' or '%'";
        }

        return null;
    }

    public bool Equals(Did? other) => other is not null && string.Equals(_value, other._value, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is Did other && Equals(other);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(_value);

    public override string ToString() => _value;

    public static bool operator ==(Did? left, Did? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(Did? left, Did? right) => !(left == right);
}
