using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Pds.Infrastructure.Crawlers;

namespace Pds.Api.Tests.Xrpc.Sync;

/// <summary>
/// Relays in <c>PDS_CRAWLERS</c> are asked to crawl when the firehose has news: once at the first
/// write, once more at the end of the interval for everything after it, never more often.
/// </summary>
public sealed class CrawlerTests(CrawlerPdsApiFactory factory) : IClassFixture<CrawlerPdsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Writes_OneRequestCrawlAtOnceAndOneForTheRestAfterTheInterval()
    {
        // Starting the server announces nothing.
        await Task.Delay(300);
        Assert.Empty(factory.Relay.Calls);
        Assert.Empty(factory.OtherRelay.Calls);

        var account = await _client.CreateAccountAsync();
        var first = await factory.Relay.WaitForCallsAsync(1);
        Assert.Equal(CrawlerPdsApiFactory.Hostname, first[0].Hostname);
        Assert.Equal(CrawlerPdsApiFactory.Hostname, (await factory.OtherRelay.WaitForCallsAsync(1))[0].Hostname);

        // A burst of writes inside the interval.
        for (var i = 0; i < 5; i++)
        {
            await (await _client.PostAsync("com.atproto.repo.createRecord", new { repo = account.Did, collection = "app.bsky.feed.post", record = new Dictionary<string, object> { ["$type"] = "app.bsky.feed.post", ["text"] = $"post {i}", ["createdAt"] = "2026-12-01T00:00:00Z" } }, account.AccessJwt)).ReadOkJsonAsync();
        }

        var burstEnd = factory.Relay.Now;

        // Then exactly one more, no earlier than an interval after the first: the burst inside the
        // interval produced no request of its own.
        var second = await factory.Relay.WaitForCallsAsync(2);
        Assert.True(second[1].At - second[0].At >= CrawlerPdsApiFactory.Interval - TimeSpan.FromMilliseconds(50), $"second request after {second[1].At - second[0].At}");
        Assert.Equal(CrawlerPdsApiFactory.Hostname, second[1].Hostname);
        await Task.Delay(CrawlerPdsApiFactory.Interval + TimeSpan.FromMilliseconds(500));
        if (burstEnd < second[0].At + CrawlerPdsApiFactory.Interval)
        {
            // The whole burst fell inside the first interval (the usual case): nothing after the second request.
            Assert.Equal(2, factory.Relay.Calls.Count);
            Assert.Equal(2, factory.OtherRelay.Calls.Count);
        }

        foreach (var relay in new[] { factory.Relay, factory.OtherRelay })
        {
            var calls = relay.Calls;
            Assert.All(calls.Zip(calls.Skip(1)), pair => Assert.True(pair.Second.At - pair.First.At >= CrawlerPdsApiFactory.Interval - TimeSpan.FromMilliseconds(50)));
        }
    }
}

/// <summary>A relay that answers 500 is retried with growing waits; the healthy relay is served at once and only once.</summary>
public sealed class CrawlerBackoffTests(CrawlerBackoffPdsApiFactory factory) : IClassFixture<CrawlerBackoffPdsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task FailingCrawler_RetriedWithExponentialBackoff_OtherCrawlerNotDelayed()
    {
        await _client.CreateAccountAsync();

        // The failing relay answers 500 three times, then 200: four attempts with doubling waits
        // (the cap itself is checked in CrawlerOptionsTests).
        var attempts = await factory.Relay.WaitForCallsAsync(4, TimeSpan.FromSeconds(20));
        var gaps = attempts.Zip(attempts.Skip(1), (a, b) => b.At - a.At).ToList();
        var slack = TimeSpan.FromMilliseconds(50);
        Assert.True(gaps[0] >= CrawlerBackoffPdsApiFactory.Backoff - slack, $"gaps {string.Join(", ", gaps)}");
        Assert.True(gaps[1] >= 2 * CrawlerBackoffPdsApiFactory.Backoff - slack, $"gaps {string.Join(", ", gaps)}");
        Assert.True(gaps[2] >= CrawlerBackoffPdsApiFactory.MaxBackoff - slack, $"gaps {string.Join(", ", gaps)}");

        // The healthy relay was asked once, before the failing relay's first retry.
        var healthy = Assert.Single(factory.OtherRelay.Calls);
        Assert.True(healthy.At < attempts[1].At);

        // Once the failing relay accepted, the interval applies to it too: no more attempts.
        await Task.Delay(CrawlerBackoffPdsApiFactory.MaxBackoff * 3);
        Assert.Equal(4, factory.Relay.Calls.Count);
        Assert.Single(factory.OtherRelay.Calls);
    }
}

/// <summary>A server with two crawlers on loopback and a short notification interval.</summary>
public class CrawlerPdsApiFactory : PdsApiFactory
{
    public const string Hostname = "pds.crawl.test";

    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    public CrawlerPdsApiFactory()
        : this(relayFailures: 0)
    {
    }

    /// <param name="relayFailures">How many of its first calls <see cref="Relay"/> answers with 500.</param>
    protected CrawlerPdsApiFactory(int relayFailures) => Relay = new CrawlerStub(relayFailures);

    public CrawlerStub Relay { get; }

    public CrawlerStub OtherRelay { get; } = new(failures: 0);

    protected virtual CrawlerOptions Timing => new() { NotifyInterval = Interval, InitialBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromMilliseconds(400) };

    public override async Task InitializeAsync()
    {
        await Relay.StartAsync();
        await OtherRelay.StartAsync();
        await base.InitializeAsync();
    }

    protected override IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string>
    {
        ["PDS_HOSTNAME"] = Hostname,
        ["PDS_DEV_MODE"] = "true",
        ["PDS_SERVICE_HANDLE_DOMAINS"] = ".test",
        ["PDS_CRAWLERS"] = $"{Relay.Url},{OtherRelay.Url}",
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton(Timing));
    }

    protected override async Task DisposeExtrasAsync()
    {
        await Relay.DisposeAsync();
        await OtherRelay.DisposeAsync();
    }
}

/// <summary>The first crawler fails three times; retries start at <see cref="Backoff"/> and stop doubling at <see cref="MaxBackoff"/>.</summary>
public sealed class CrawlerBackoffPdsApiFactory : CrawlerPdsApiFactory
{
    public static readonly TimeSpan Backoff = TimeSpan.FromMilliseconds(500);

    public static readonly TimeSpan MaxBackoff = TimeSpan.FromMilliseconds(1000);

    public CrawlerBackoffPdsApiFactory()
        : base(relayFailures: 3)
    {
    }

    protected override CrawlerOptions Timing => new() { NotifyInterval = TimeSpan.FromMinutes(5), InitialBackoff = Backoff, MaxBackoff = MaxBackoff };
}

/// <summary>A relay's requestCrawl endpoint on 127.0.0.1 (Kestrel) that records each call; the first <c>failures</c> calls get a 500.</summary>
public sealed class CrawlerStub(int failures) : IAsyncDisposable
{
    private readonly ConcurrentQueue<(string? Hostname, TimeSpan At)> _calls = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private WebApplication? _app;
    private int _count;

    public Uri Url { get; private set; } = null!;

    public IReadOnlyList<(string? Hostname, TimeSpan At)> Calls => [.. _calls];

    /// <summary>The time on the clock that stamps <see cref="Calls"/>.</summary>
    public TimeSpan Now => _clock.Elapsed;

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapPost("/xrpc/com.atproto.sync.requestCrawl", async (HttpContext context) =>
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body);
            _calls.Enqueue((body.RootElement.GetProperty("hostname").GetString(), _clock.Elapsed));
            return Interlocked.Increment(ref _count) <= failures
                ? Results.Json(new { error = "InternalServerError", message = "down" }, statusCode: 500)
                : Results.Ok();
        });
        await _app.StartAsync();
        Url = new Uri(_app.Urls.Single());
    }

    /// <summary>The calls so far, once there are at least <paramref name="count"/>.</summary>
    public async Task<IReadOnlyList<(string? Hostname, TimeSpan At)>> WaitForCallsAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = _clock.Elapsed + (timeout ?? TimeSpan.FromSeconds(10));
        while (_calls.Count < count)
        {
            Assert.True(_clock.Elapsed < deadline, $"expected {count} requestCrawl calls, got {_calls.Count}");
            await Task.Delay(20);
        }

        return Calls;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
