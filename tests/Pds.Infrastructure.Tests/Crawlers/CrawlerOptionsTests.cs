using Pds.Infrastructure.Crawlers;

namespace Pds.Infrastructure.Tests.Crawlers;

public sealed class CrawlerOptionsTests
{
    [Fact]
    public void Defaults_AsTheReferencePds_WithCappedBackoff()
    {
        var options = new CrawlerOptions();
        Assert.Equal(TimeSpan.FromMinutes(20), options.NotifyInterval);
        Assert.Equal(TimeSpan.FromMinutes(1), options.BackoffAfter(1));
        Assert.Equal(TimeSpan.FromMinutes(32), options.BackoffAfter(6));
        Assert.Equal(TimeSpan.FromHours(1), options.BackoffAfter(7));
        Assert.Equal(TimeSpan.FromHours(1), options.BackoffAfter(int.MaxValue));
    }

    [Fact]
    public void BackoffAfter_DoublesUntilTheCap()
    {
        var options = new CrawlerOptions { InitialBackoff = TimeSpan.FromMilliseconds(300), MaxBackoff = TimeSpan.FromMilliseconds(1000) };
        Assert.Equal(
            new[] { 300, 600, 1000, 1000 },
            Enumerable.Range(1, 4).Select(n => (int)options.BackoffAfter(n).TotalMilliseconds));
    }
}
