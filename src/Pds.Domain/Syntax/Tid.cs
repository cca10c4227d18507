using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Pds.Domain.Syntax;

/// <summary>
/// A timestamp identifier: a 64-bit integer (top bit 0, then 53 bits of microseconds since the
/// UNIX epoch, then a 10-bit clock id) written as 13 characters of base32-sortable
/// (<c>234567abcdefghijklmnopqrstuvwxyz</c>). Because every digit is always written and the
/// alphabet is in ASCII order, TID strings sort exactly like their integer values.
/// Generated TIDs keep the top bit zero; parsing accepts the syntax the spec allows (first
/// character up to <c>j</c>), so the value is held unsigned to keep ordering exact for all of them.
/// </summary>
[JsonConverter(typeof(SyntaxJsonConverter<Tid>))]
public readonly struct Tid : IEquatable<Tid>, IComparable<Tid>, IComparable, IParsable<Tid>, ISpanParsable<Tid>
{
    public const int Length = 13;

    public const int MaxClockId = (1 << ClockIdBits) - 1;

    /// <summary>The largest timestamp a TID can hold (2^53 - 1 microseconds, around year 2255).</summary>
    public const long MaxMicroseconds = (1L << 53) - 1;

    private const int ClockIdBits = 10;

    private const string Alphabet = "234567abcdefghijklmnopqrstuvwxyz";

    private readonly ulong _value;

    private Tid(ulong value) => _value = value;

    /// <summary>The TID as its 64-bit integer.</summary>
    public ulong Value => _value;

    /// <summary>Microseconds since the UNIX epoch.</summary>
    public long Microseconds => (long)(_value >> ClockIdBits);

    public int ClockId => (int)(_value & MaxClockId);

    /// <summary>The timestamp, truncated to the 100 ns resolution of <see cref="DateTimeOffset"/> (lossless: TIDs carry microseconds).</summary>
    public DateTimeOffset Timestamp => DateTimeOffset.UnixEpoch.AddTicks(Microseconds * 10);

    public static Tid FromValue(ulong value)
    {
        if (value >> 63 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), "The top bit of a TID must be zero.");
        }

        return new Tid(value);
    }

    public static Tid FromTime(long microseconds, int clockId)
    {
        if ((ulong)microseconds > MaxMicroseconds)
        {
            throw new ArgumentOutOfRangeException(nameof(microseconds), "Microseconds since the epoch must be in [0, 2^53).");
        }

        if ((uint)clockId > MaxClockId)
        {
            throw new ArgumentOutOfRangeException(nameof(clockId), "The clock id must be in [0, 1023].");
        }

        return new Tid(((ulong)microseconds << ClockIdBits) | (uint)clockId);
    }

    /// <summary>A TID for <paramref name="time"/> (sub-microsecond precision is truncated).</summary>
    public static Tid FromTime(DateTimeOffset time, int clockId) =>
        FromTime((time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10, clockId);

    public static Tid Parse(string s) => Parse(s, null);

    public static Tid Parse(string s, IFormatProvider? provider)
    {
        ArgumentNullException.ThrowIfNull(s);
        return Parse(s.AsSpan(), provider);
    }

    public static Tid Parse(ReadOnlySpan<char> s, IFormatProvider? provider)
    {
        var error = Decode(s, out var value);
        return error is null ? new Tid(value) : throw new FormatException($"Invalid TID: {error}.");
    }

    public static bool TryParse([NotNullWhen(true)] string? s, out Tid result) => TryParse(s, null, out result);

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out Tid result)
    {
        if (s is not null)
        {
            return TryParse(s.AsSpan(), provider, out result);
        }

        result = default;
        return false;
    }

    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out Tid result)
    {
        if (Decode(s, out var value) is null)
        {
            result = new Tid(value);
            return true;
        }

        result = default;
        return false;
    }

    /// <summary>True when <paramref name="s"/> is valid TID syntax.</summary>
    public static bool IsValid(ReadOnlySpan<char> s) => Decode(s, out _) is null;

    private static string? Decode(ReadOnlySpan<char> s, out ulong value)
    {
        value = 0;
        if (s.Length != Length)
        {
            return "must be exactly 13 characters";
        }

        for (var i = 0; i < Length; i++)
        {
            var digit = DigitOf(s[i]);
            if (digit < 0)
            {
                return "contains a character outside base32-sortable '234567a-z'";
            }

            value = (value << 5) | (uint)digit;
        }

        // 13 digits carry 65 bits but the integer has 64, so the first digit may use only its
        // low 4 bits: it must be one of '234567abcdefghij' (the spec's syntax rule).
        if (DigitOf(s[0]) > 15)
        {
            return "the first character must be one of '234567abcdefghij' (the top bit must be zero)";
        }

        return null;
    }

    private static int DigitOf(char c)
    {
        if ((uint)(c - 'a') <= 'z' - 'a')
        {
            return c - 'a' + 6;
        }

        if ((uint)(c - '2') <= '7' - '2')
        {
            return c - '2';
        }

        return -1;
    }

    public override string ToString() =>
        string.Create(Length, _value, static (span, v) =>
        {
            for (var i = Length - 1; i >= 0; i--)
            {
                span[i] = Alphabet[(int)(v & 31)];
                v >>= 5;
            }
        });

    public bool Equals(Tid other) => _value == other._value;

    public override bool Equals(object? obj) => obj is Tid other && Equals(other);

    public override int GetHashCode() => _value.GetHashCode();

    public int CompareTo(Tid other) => _value.CompareTo(other._value);

    public int CompareTo(object? obj) => obj switch
    {
        null => 1,
        Tid other => CompareTo(other),
        _ => throw new ArgumentException("Object must be a Tid.", nameof(obj)),
    };

    public static bool operator ==(Tid left, Tid right) => left._value == right._value;

    public static bool operator !=(Tid left, Tid right) => left._value != right._value;

    public static bool operator <(Tid left, Tid right) => left._value < right._value;

    public static bool operator >(Tid left, Tid right) => left._value > right._value;

    public static bool operator <=(Tid left, Tid right) => left._value <= right._value;

    public static bool operator >=(Tid left, Tid right) => left._value >= right._value;
}
