using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json.Serialization;

namespace Pds.Domain.Syntax;

/// <summary>
/// The Lexicon <c>datetime</c> format: the intersection of RFC 3339, ISO 8601 and WHATWG HTML,
/// <c>YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)</c> with an upper-case <c>T</c> and
/// <c>Z</c>, whole seconds required, any number of fraction digits, and no <c>-00:00</c>.
/// A valid datetime must also name a real calendar instant at or after year 0000 (UTC).
/// The original string is kept as written; <see cref="ToString"/> returns it unchanged.
/// </summary>
[JsonConverter(typeof(SyntaxJsonConverter<Datetime>))]
public sealed class Datetime : IEquatable<Datetime>, IComparable<Datetime>, IComparable, IParsable<Datetime>
{
    /// <summary>Upper bound on accepted input, far above any real datetime string.</summary>
    public const int MaxLength = 64;

    private const long TicksPerDay = TimeSpan.TicksPerDay;

    // Days from 0000-01-01 to 0001-01-01 (366: year 0 is a leap year in the proleptic calendar).
    private static readonly long DaysFromYear0ToYear1 = DaysFromCivil(1, 1, 1) - DaysFromCivil(0, 1, 1);

    private readonly string _value;

    // UTC ticks counted from 0000-01-01T00:00:00Z so year-zero instants are representable.
    private readonly long _ticksFromYear0;
    private readonly short _offsetMinutes;

    private Datetime(string value, long ticksFromYear0, short offsetMinutes)
    {
        _value = value;
        _ticksFromYear0 = ticksFromYear0;
        _offsetMinutes = offsetMinutes;
    }

    /// <summary>
    /// The instant with the written offset (or UTC when the offset exceeds what
    /// <see cref="DateTimeOffset"/> can hold). Sub-100ns fraction digits are truncated.
    /// Throws for instants before 0001-01-01T00:00:00Z, which the format allows but
    /// <see cref="DateTimeOffset"/> cannot represent; use <see cref="TryGetDateTimeOffset"/> to probe.
    /// </summary>
    public DateTimeOffset Value =>
        TryGetDateTimeOffset(out var value)
            ? value
            : throw new InvalidOperationException($"The datetime '{_value}' is before year 0001 and has no DateTimeOffset.");

    /// <summary>The offset written in the string (zero for <c>Z</c>).</summary>
    public TimeSpan Offset => TimeSpan.FromMinutes(_offsetMinutes);

    public bool TryGetDateTimeOffset(out DateTimeOffset value)
    {
        var utcTicks = _ticksFromYear0 - (DaysFromYear0ToYear1 * TicksPerDay);
        if (utcTicks < 0)
        {
            value = default;
            return false;
        }

        var utc = new DateTimeOffset(utcTicks, TimeSpan.Zero);
        if (Math.Abs((int)_offsetMinutes) <= 14 * 60)
        {
            var offset = TimeSpan.FromMinutes(_offsetMinutes);
            var local = utcTicks + offset.Ticks;
            if (local >= DateTime.MinValue.Ticks && local <= DateTime.MaxValue.Ticks)
            {
                value = utc.ToOffset(offset);
                return true;
            }
        }

        value = utc;
        return true;
    }

    /// <summary>The current time in the canonical form <c>YYYY-MM-DDTHH:mm:ss.sssZ</c>.</summary>
    public static Datetime Now() => FromDateTimeOffset(DateTimeOffset.UtcNow);

    /// <summary>
    /// <paramref name="time"/> converted to UTC in the canonical form
    /// <c>YYYY-MM-DDTHH:mm:ss.sssZ</c> (millisecond precision, sub-millisecond truncated).
    /// </summary>
    public static Datetime FromDateTimeOffset(DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        var text = utc.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'", CultureInfo.InvariantCulture);
        return Parse(text);
    }

    public static Datetime Parse(string s) => Parse(s, null);

    public static Datetime Parse(string s, IFormatProvider? provider)
    {
        ArgumentNullException.ThrowIfNull(s);
        var error = Read(s, semantic: true, out var ticks, out var offset);
        return error is null ? new Datetime(s, ticks, offset) : throw new FormatException($"Invalid datetime: {error}.");
    }

    public static bool TryParse([NotNullWhen(true)] string? s, [MaybeNullWhen(false)] out Datetime result) =>
        TryParse(s, null, out result);

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, [MaybeNullWhen(false)] out Datetime result)
    {
        if (s is not null && Read(s, semantic: true, out var ticks, out var offset) is null)
        {
            result = new Datetime(s, ticks, offset);
            return true;
        }

        result = null;
        return false;
    }

    /// <summary>True when <paramref name="s"/> is a valid datetime (syntax and calendar).</summary>
    public static bool IsValid(ReadOnlySpan<char> s) => Read(s, semantic: true, out _, out _) is null;

    /// <summary>
    /// True when <paramref name="s"/> has the datetime shape (digit counts, separators, zone)
    /// without checking that the fields name a real instant; for example
    /// <c>1985-13-12T23:20:50.123Z</c> is well-formed but not valid.
    /// </summary>
    public static bool IsWellFormed(ReadOnlySpan<char> s) => Read(s, semantic: false, out _, out _) is null;

    private static string? Read(ReadOnlySpan<char> s, bool semantic, out long ticksFromYear0, out short offsetMinutes)
    {
        ticksFromYear0 = 0;
        offsetMinutes = 0;
        if (s.Length > MaxLength)
        {
            return "too long";
        }

        // Fixed prefix: YYYY-MM-DDTHH:MM:SS (19 characters).
        if (s.Length < 20)
        {
            return "must be YYYY-MM-DDTHH:MM:SS followed by a fraction and/or a timezone";
        }

        if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        {
            return "must be YYYY-MM-DDTHH:MM:SS with '-' and ':' separators and an upper-case 'T'";
        }

        if (!TwoDigits(s, 0, out var century) || !TwoDigits(s, 2, out var yy) || !TwoDigits(s, 5, out var month)
            || !TwoDigits(s, 8, out var day) || !TwoDigits(s, 11, out var hour) || !TwoDigits(s, 14, out var minute)
            || !TwoDigits(s, 17, out var second))
        {
            return "each date and time field must be zero-padded digits";
        }

        var i = 19;
        long fractionTicks = 0;
        if (s[i] == '.')
        {
            i++;
            var start = i;
            var scale = TimeSpan.TicksPerSecond / 10;
            while (i < s.Length && SyntaxChars.IsDigit(s[i]))
            {
                fractionTicks += (s[i] - '0') * scale;
                scale /= 10;
                i++;
            }

            if (i == start)
            {
                return "a '.' must be followed by fraction digits";
            }
        }

        if (i >= s.Length)
        {
            return "a timezone ('Z' or +HH:MM / -HH:MM) is required";
        }

        var sign = s[i];
        var offset = 0;
        if (sign == 'Z')
        {
            i++;
        }
        else if (sign is '+' or '-')
        {
            if (s.Length - i != 6 || s[i + 3] != ':' || !TwoDigits(s, i + 1, out var oh) || !TwoDigits(s, i + 4, out var om))
            {
                return "the timezone offset must be +HH:MM or -HH:MM";
            }

            if (sign == '-' && oh == 0 && om == 0)
            {
                return "the timezone offset '-00:00' is not allowed";
            }

            if (om > 59 || (semantic && oh > 23))
            {
                return "the timezone offset is out of range";
            }

            offset = (sign == '-' ? -1 : 1) * ((oh * 60) + om);
            i += 6;
        }
        else
        {
            return "a timezone ('Z' or +HH:MM / -HH:MM) is required";
        }

        if (i != s.Length)
        {
            return "unexpected characters after the timezone";
        }

        if (!semantic)
        {
            return null;
        }

        var year = (century * 100) + yy;
        if (month is < 1 or > 12)
        {
            return "the month is out of range";
        }

        if (day < 1 || day > DaysInMonth(year, month))
        {
            return "the day is out of range for the month";
        }

        if (hour > 23 || minute > 59 || second > 59)
        {
            return "the time of day is out of range";
        }

        var days = DaysFromCivil(year, month, day) - DaysFromCivil(0, 1, 1);
        var local = (days * TicksPerDay) + (hour * TimeSpan.TicksPerHour) + (minute * TimeSpan.TicksPerMinute)
            + (second * TimeSpan.TicksPerSecond) + fractionTicks;
        var utc = local - (offset * TimeSpan.TicksPerMinute);
        if (utc < 0)
        {
            return "the instant is before year 0000 once the offset is applied";
        }

        ticksFromYear0 = utc;
        offsetMinutes = (short)offset;
        return null;
    }

    private static bool TwoDigits(ReadOnlySpan<char> s, int at, out int value)
    {
        var a = s[at] - '0';
        var b = s[at + 1] - '0';
        value = (a * 10) + b;
        return (uint)a <= 9 && (uint)b <= 9;
    }

    private static int DaysInMonth(int year, int month) => month switch
    {
        2 => (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28,
        4 or 6 or 9 or 11 => 30,
        _ => 31,
    };

    // Days since 0000-03-01 in the proleptic Gregorian calendar (Howard Hinnant's algorithm),
    // valid for year 0, which DateTime cannot represent.
    private static long DaysFromCivil(int year, int month, int day)
    {
        var y = month <= 2 ? year - 1 : year;
        var era = (y >= 0 ? y : y - 399) / 400;
        var yoe = y - (era * 400);
        var doy = ((153 * (month > 2 ? month - 3 : month + 9)) + 2) / 5 + day - 1;
        var doe = (yoe * 365) + (yoe / 4) - (yoe / 100) + doy;
        return ((long)era * 146097) + doe;
    }

    public bool Equals(Datetime? other) => other is not null && string.Equals(_value, other._value, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is Datetime other && Equals(other);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(_value);

    /// <summary>Orders by instant; equal instants written differently order by their strings.</summary>
    public int CompareTo(Datetime? other)
    {
        if (other is null)
        {
            return 1;
        }

        var c = _ticksFromYear0.CompareTo(other._ticksFromYear0);
        return c != 0 ? c : string.CompareOrdinal(_value, other._value);
    }

    public int CompareTo(object? obj) => obj switch
    {
        null => 1,
        Datetime other => CompareTo(other),
        _ => throw new ArgumentException("Object must be a Datetime.", nameof(obj)),
    };

    public override string ToString() => _value;

    public static bool operator ==(Datetime? left, Datetime? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(Datetime? left, Datetime? right) => !(left == right);

    public static bool operator <(Datetime? left, Datetime? right) => left is null ? right is not null : left.CompareTo(right) < 0;

    public static bool operator >(Datetime? left, Datetime? right) => left is not null && left.CompareTo(right) > 0;

    public static bool operator <=(Datetime? left, Datetime? right) => left is null || left.CompareTo(right) <= 0;

    public static bool operator >=(Datetime? left, Datetime? right) => left is null ? right is null : left.CompareTo(right) >= 0;
}
