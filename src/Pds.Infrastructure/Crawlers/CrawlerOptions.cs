namespace Pds.Infrastructure.Crawlers;

/// <summary>Timing of the requests that ask relays (<c>PDS_CRAWLERS</c>) to crawl this server.</summary>
public sealed record CrawlerOptions
{
    /// <summary>At most one request per crawler in this interval, as the reference PDS does (20 minutes).</summary>
    public TimeSpan NotifyInterval { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>The wait after a crawler's first failure; doubled after each further failure.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The longest wait between attempts at a failing crawler.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long one request may take before it counts as failed.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The wait before attempt number <paramref name="failures"/> + 1 at a failing crawler.</summary>
    public TimeSpan BackoffAfter(int failures)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failures, 1);
        var factor = Math.Pow(2, Math.Min(failures - 1, 30));
        var ticks = Math.Min(InitialBackoff.Ticks * factor, MaxBackoff.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }
}
