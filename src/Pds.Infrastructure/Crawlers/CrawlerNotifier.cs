using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pds.Application.Common.Configuration;
using Pds.Infrastructure.Firehose;

namespace Pds.Infrastructure.Crawlers;

/// <summary>
/// Asks each relay in <c>PDS_CRAWLERS</c> to crawl this server when the firehose has new events.
/// Each crawler is notified at once on the first activity, then at most once per
/// <see cref="CrawlerOptions.NotifyInterval"/>: activity inside the interval is announced once when
/// it ends (the reference PDS drops it until the next event). A failing crawler is retried after an
/// exponentially growing, capped wait; every crawler has its own loop, so one that fails or hangs
/// never delays the others.
/// </summary>
public sealed partial class CrawlerNotifier(
    PdsOptions options,
    CrawlerOptions timing,
    FirehoseHub hub,
    CrawlerClient client,
    TimeProvider clock,
    ILogger<CrawlerNotifier> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var crawlers = options.Service.Crawlers.Select(url => new Crawler(url)).ToList();
        if (crawlers.Count == 0)
        {
            return;
        }

        var loops = crawlers.Select(c => Task.Run(() => RunAsync(c, stoppingToken), CancellationToken.None)).ToList();
        try
        {
            long? seen = null;
            while (!stoppingToken.IsCancellationRequested)
            {
                seen = await hub.WaitForEventsAfterAsync(seen, stoppingToken).ConfigureAwait(false);
                foreach (var crawler in crawlers)
                {
                    crawler.MarkActivity();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }

        await Task.WhenAll(loops).ConfigureAwait(false);
    }

    private async Task RunAsync(Crawler crawler, CancellationToken stoppingToken)
    {
        DateTimeOffset? lastNotified = null;
        var failures = 0;
        var retryAt = DateTimeOffset.MinValue;
        try
        {
            while (true)
            {
                await crawler.WaitForActivityAsync(stoppingToken).ConfigureAwait(false);
                var due = lastNotified is { } last ? last + timing.NotifyInterval : DateTimeOffset.MinValue;
                if (retryAt > due)
                {
                    due = retryAt;
                }

                var wait = due - clock.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, clock, stoppingToken).ConfigureAwait(false);
                }

                // This request announces everything so far, including activity while waiting.
                crawler.ClearActivity();
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    timeout.CancelAfter(timing.RequestTimeout);
                    await client.RequestCrawlAsync(crawler.Url, options.Service.Hostname, timeout.Token).ConfigureAwait(false);
                    lastNotified = clock.GetUtcNow();
                    failures = 0;
                    retryAt = DateTimeOffset.MinValue;
                    LogNotified(logger, crawler.Url);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested && e is HttpRequestException or OperationCanceledException)
                {
                    failures++;
                    var backoff = timing.BackoffAfter(failures);
                    retryAt = clock.GetUtcNow() + backoff;
                    crawler.MarkActivity();
                    LogFailed(logger, crawler.Url, failures, backoff, e is OperationCanceledException ? "timed out" : e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>One crawler's pending-activity flag: set by the watcher, consumed by the crawler's loop.</summary>
    private sealed class Crawler(Uri url)
    {
        private readonly Channel<bool> _activity = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

        public Uri Url { get; } = url;

        public void MarkActivity() => _activity.Writer.TryWrite(true);

        public void ClearActivity() => _activity.Reader.TryRead(out _);

        public async Task WaitForActivityAsync(CancellationToken cancellationToken) =>
            await _activity.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "asked {Crawler} to crawl this server")]
    private static partial void LogNotified(ILogger logger, Uri crawler);

    [LoggerMessage(Level = LogLevel.Warning, Message = "requestCrawl to {Crawler} failed ({Failures} in a row): {Reason}; retrying in {Backoff}")]
    private static partial void LogFailed(ILogger logger, Uri crawler, int failures, TimeSpan backoff, string reason);
}
