using System.Globalization;

namespace Pds.Application.Server;

internal static class Formats
{
    /// <summary>An atproto datetime: UTC, millisecond precision, <c>Z</c> suffix.</summary>
    public static string Datetime(DateTime value) =>
        DateTime.SpecifyKind(value, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
