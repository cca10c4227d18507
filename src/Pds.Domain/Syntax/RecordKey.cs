using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Pds.Domain.Syntax;

/// <summary>
/// A record key: 1 to 512 characters of <c>[A-Za-z0-9.\-_:~]</c>, not <c>.</c> or <c>..</c>.
/// Record keys are case-sensitive and never normalized.
/// </summary>
[JsonConverter(typeof(SyntaxJsonConverter<RecordKey>))]
public sealed class RecordKey : IEquatable<RecordKey>, IParsable<RecordKey>
{
    public const int MaxLength = 512;

    /// <summary>The <c>literal:self</c> key used by singleton records such as profiles.</summary>
    public static readonly RecordKey Self = new("self");

    private readonly string _value;

    private RecordKey(string value) => _value = value;

    /// <summary>Wraps a string already known to be valid record key syntax.</summary>
    internal static RecordKey FromValidated(string s) => new(s);

    public static RecordKey Parse(string s) => Parse(s, null);

    public static RecordKey Parse(string s, IFormatProvider? provider)
    {
        ArgumentNullException.ThrowIfNull(s);
        var error = Validate(s);
        return error is null ? new RecordKey(s) : throw new FormatException($"Invalid record key: {error}.");
    }

    public static bool TryParse([NotNullWhen(true)] string? s, [MaybeNullWhen(false)] out RecordKey result) =>
        TryParse(s, null, out result);

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, [MaybeNullWhen(false)] out RecordKey result)
    {
        if (s is not null && Validate(s) is null)
        {
            result = new RecordKey(s);
            return true;
        }

        result = null;
        return false;
    }

    /// <summary>True when <paramref name="s"/> is valid record key syntax.</summary>
    public static bool IsValid(ReadOnlySpan<char> s) => Validate(s) is null;

    /// <summary>The record key spelled by <paramref name="tid"/>.</summary>
    public static RecordKey FromTid(Tid tid) => new(tid.ToString());

    internal static string? Validate(ReadOnlySpan<char> s)
    {
        if (s.Length == 0)
        {
            return "empty";
        }

        if (s.Length > MaxLength)
        {
            return "longer than 512 characters";
        }

        if (s is "." or "..")
        {
            return "'.' and '..' are not allowed";
        }

        foreach (var c in s)
        {
            if (!SyntaxChars.IsAlphaNumeric(c) && c != '.' && c != '-' && c != '_' && c != ':' && c != '~')
            {
                return "contains a character outside [A-Za-z0-9.-_:~]";
            }
        }

        return null;
    }

    public bool Equals(RecordKey? other) => other is not null && string.Equals(_value, other._value, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is RecordKey other && Equals(other);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(_value);

    public override string ToString() => _value;

    public static bool operator ==(RecordKey? left, RecordKey? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(RecordKey? left, RecordKey? right) => !(left == right);
}
