using System.Globalization;
using CsCheck;
using Pds.Domain.Syntax;

namespace Pds.Domain.Tests.Syntax;

public sealed class DatetimeTests
{
    [Fact]
    public void Now_IsCanonicalMillisecondUtcForm()
    {
        var before = DateTimeOffset.UtcNow.AddMilliseconds(-1);
        var now = Datetime.Now();
        var after = DateTimeOffset.UtcNow;

        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", now.ToString());
        Assert.InRange(now.Value, before, after);
    }

    [Fact]
    public void FromDateTimeOffset_ConvertsToUtcAndTruncatesToMilliseconds()
    {
        var time = new DateTimeOffset(1985, 4, 12, 16, 20, 50, 123, TimeSpan.FromHours(-7)).AddTicks(4567);
        var dt = Datetime.FromDateTimeOffset(time);

        Assert.Equal("1985-04-12T23:20:50.123Z", dt.ToString());
        Assert.Equal(time.AddTicks(-4567), dt.Value);
    }

    [Fact]
    public void Parse_Offset_ValueKeepsOffsetAndInstant()
    {
        var dt = Datetime.Parse("1985-04-12T23:20:50.123-07:00");
        var expected = new DateTimeOffset(1985, 4, 12, 23, 20, 50, 123, TimeSpan.FromHours(-7));
        Assert.Equal(expected, dt.Value);
        Assert.Equal(TimeSpan.FromHours(-7), dt.Value.Offset);
        Assert.Equal(TimeSpan.FromHours(-7), dt.Offset);
    }

    [Fact]
    public void Parse_LongFraction_TruncatesToTicks()
    {
        var dt = Datetime.Parse("1985-04-12T23:20:50.123456789012Z");
        Assert.Equal(DateTimeOffset.Parse("1985-04-12T23:20:50.1234567Z", CultureInfo.InvariantCulture), dt.Value);
        Assert.Equal("1985-04-12T23:20:50.123456789012Z", dt.ToString());
    }

    [Fact]
    public void Parse_RandomInstantsWithOffsets_ValueMatchesBcl()
    {
        Gen.Select(Gen.Long[DateTime.MinValue.Ticks + TimeSpan.TicksPerDay, DateTime.MaxValue.Ticks - TimeSpan.TicksPerDay], Gen.Int[-14 * 60, 14 * 60])
            .Sample((ticks, offsetMinutes) =>
            {
                var expected = new DateTimeOffset(ticks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(offsetMinutes));
                var zone = offsetMinutes == 0 ? "Z" : expected.ToString("zzz", CultureInfo.InvariantCulture);
                var text = expected.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffff", CultureInfo.InvariantCulture) + zone;
                var parsed = Datetime.Parse(text);
                return parsed.Value == expected && parsed.Value.Offset == expected.Offset && parsed.ToString() == text;
            });
    }

    [Fact]
    public void Parse_FirstInstantOfYearOne_IsDateTimeOffsetMinValue()
    {
        Assert.Equal(DateTimeOffset.MinValue, Datetime.Parse("0001-01-01T00:00:00.000Z").Value);
        Assert.False(Datetime.Parse("0000-12-31T23:59:59.999Z").TryGetDateTimeOffset(out _));
    }

    [Fact]
    public void Parse_YearZero_IsValidButHasNoDateTimeOffset()
    {
        var dt = Datetime.Parse("0000-01-01T00:00:00.000Z");
        Assert.False(dt.TryGetDateTimeOffset(out _));
        Assert.Throws<InvalidOperationException>(() => dt.Value);
        Assert.True(dt < Datetime.Parse("0001-01-01T00:00:00.000Z"));
    }

    [Theory]
    [InlineData("2023-02-29T00:00:00Z")]
    [InlineData("2023-04-31T00:00:00Z")]
    [InlineData("2024-01-01T00:00:00.000+24:00")]
    public void Parse_ImpossibleCalendarValue_IsWellFormedButRejected(string input)
    {
        Assert.True(Datetime.IsWellFormed(input));
        Assert.False(Datetime.TryParse(input, out _));
    }

    [Fact]
    public void Parse_LeapDay_Accepted()
    {
        Assert.Equal(29, Datetime.Parse("2024-02-29T12:00:00Z").Value.Day);
        Assert.True(Datetime.TryParse("2000-02-29T12:00:00Z", out _));
        Assert.False(Datetime.TryParse("1900-02-29T12:00:00Z", out _));
    }

    [Fact]
    public void CompareTo_OrdersByInstantAcrossOffsets()
    {
        var a = Datetime.Parse("1985-04-12T23:20:50.000+01:00"); // 22:20:50Z
        var b = Datetime.Parse("1985-04-12T22:30:00.000Z");
        Assert.True(a < b);
        Assert.True(b > a);
        Assert.NotEqual(a, Datetime.Parse("1985-04-12T22:20:50.000Z"));
    }

    [Fact]
    public void Parse_Invalid_MessageExplains()
    {
        var ex = Assert.Throws<FormatException>(() => Datetime.Parse("1985-04-12T23:20:50.123-00:00"));
        Assert.Contains("-00:00", ex.Message, StringComparison.Ordinal);
    }
}
