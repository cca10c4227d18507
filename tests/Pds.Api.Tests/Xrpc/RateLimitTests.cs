using System.Net;
using Pds.TestKit;

namespace Pds.Api.Tests.Xrpc;

/// <summary>The reference PDS's rate limits: 429 RateLimitExceeded with RateLimit-* headers, per key, with bypasses.</summary>
public sealed class RateLimitTests(RateLimitedFactory factory) : IClassFixture<RateLimitedFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private Task<HttpResponseMessage> LogInAsync(string identifier, HttpClient? client = null) =>
        (client ?? _client).PostAsync("com.atproto.server.createSession", new { identifier, password = "wrong password" }, null);

    [Fact]
    public async Task CreateSession_ThirtyAttemptsPerFiveMinutes_ThenRateLimitExceededWithHeaders()
    {
        var identifier = XrpcClient.NewHandle("limited");
        await RateLimitWindows.AwaitRoomAsync(TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30));
        for (var i = 0; i < 30; i++)
        {
            var attempt = await LogInAsync(identifier);
            Assert.Equal(HttpStatusCode.Unauthorized, attempt.StatusCode);
            Assert.Equal((29 - i).ToString(System.Globalization.CultureInfo.InvariantCulture), attempt.Headers.GetValues("RateLimit-Remaining").Single());
        }

        var refused = await LogInAsync(identifier);
        await XrpcPipelineTests.AssertXrpcErrorAsync(refused, HttpStatusCode.TooManyRequests, "RateLimitExceeded");
        Assert.Equal("30", refused.Headers.GetValues("RateLimit-Limit").Single());
        Assert.Equal("0", refused.Headers.GetValues("RateLimit-Remaining").Single());
        Assert.Equal("30;w=300", refused.Headers.GetValues("RateLimit-Policy").Single());
        var reset = DateTimeOffset.FromUnixTimeSeconds(long.Parse(refused.Headers.GetValues("RateLimit-Reset").Single(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(reset, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(5).AddSeconds(5));

        // The budget is the identifier's: another one is not affected.
        Assert.Equal(HttpStatusCode.Unauthorized, (await LogInAsync(XrpcClient.NewHandle("other"))).StatusCode);

        // The bypass key skips limits.
        var bypass = new HttpRequestMessage(HttpMethod.Post, "/xrpc/com.atproto.server.createSession")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { identifier, password = "wrong password" }),
        };
        bypass.Headers.Add("x-ratelimit-bypass", RateLimitedFactory.BypassKey);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _client.SendAsync(bypass)).StatusCode);
    }

    [Fact]
    public async Task RepoWrites_SpendTheAccountsHourlyPoints_CreatesCostThree()
    {
        var account = await _client.CreateAccountAsync();
        object Batch() => new
        {
            repo = account.Did,
            writes = Enumerable.Range(0, 200).Select(i => new Dictionary<string, object>
            {
                ["$type"] = "com.atproto.repo.applyWrites#create",
                ["collection"] = "com.example.item",
                ["value"] = new Dictionary<string, object> { ["$type"] = "com.example.item", ["n"] = i },
            }).ToArray(),
        };

        // 5000 points an hour: eight batches of 200 creates (4800) pass, the ninth does not.
        await RateLimitWindows.AwaitRoomAsync(TimeSpan.FromHours(1), TimeSpan.FromSeconds(60));
        for (var i = 0; i < 8; i++)
        {
            var ok = await _client.PostAsync("com.atproto.repo.applyWrites", Batch(), account.AccessJwt);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        var before = (await (await _client.GetAsync($"com.atproto.repo.listRecords?repo={account.Did}&collection=com.example.item&limit=1", null)).ReadOkJsonAsync());
        var refused = await _client.PostAsync("com.atproto.repo.applyWrites", Batch(), account.AccessJwt);
        await XrpcPipelineTests.AssertXrpcErrorAsync(refused, HttpStatusCode.TooManyRequests, "RateLimitExceeded");
        Assert.Equal("5000;w=3600", refused.Headers.GetValues("RateLimit-Policy").Single());

        // Nothing of the refused batch was written, and the budget is this account's alone.
        var after = (await (await _client.GetAsync($"com.atproto.repo.listRecords?repo={account.Did}&collection=com.example.item&limit=1", null)).ReadOkJsonAsync());
        Assert.Equal(before.GetProperty("records")[0].GetProperty("uri").GetString(), after.GetProperty("records")[0].GetProperty("uri").GetString());
        var other = await _client.CreateAccountAsync();
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("com.atproto.repo.applyWrites", new { repo = other.Did, writes = new[] { new Dictionary<string, object> { ["$type"] = "com.atproto.repo.applyWrites#create", ["collection"] = "com.example.item", ["value"] = new Dictionary<string, object> { ["$type"] = "com.example.item" } } } }, other.AccessJwt)).StatusCode);
    }
}

/// <summary>Two servers sharing one Redis spend one budget.</summary>
public sealed class SharedRateLimitTests : IClassFixture<RedisTestServer>, IAsyncLifetime
{
    private readonly RedisTestServer _redis;
    private readonly RateLimitedFactory _first;
    private readonly RateLimitedFactory _second;

    public SharedRateLimitTests(RedisTestServer redis)
    {
        _redis = redis;
        _first = new RateLimitedFactory { Redis = redis.Address };
        _second = new RateLimitedFactory { Redis = redis.Address };
    }

    public async Task InitializeAsync()
    {
        await _first.InitializeAsync();
        await _second.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)_first).DisposeAsync();
        await ((IAsyncLifetime)_second).DisposeAsync();
    }

    [Fact]
    public async Task CreateSessionBudget_IsSharedAcrossServerProcessesThroughRedis()
    {
        var identifier = XrpcClient.NewHandle("shared");
        var first = _first.CreateClient();
        var second = _second.CreateClient();
        await RateLimitWindows.AwaitRoomAsync(TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30));
        for (var i = 0; i < 15; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await first.PostAsync("com.atproto.server.createSession", new { identifier, password = "nope" }, null)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await second.PostAsync("com.atproto.server.createSession", new { identifier, password = "nope" }, null)).StatusCode);
        }

        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await first.PostAsync("com.atproto.server.createSession", new { identifier, password = "nope" }, null), HttpStatusCode.TooManyRequests, "RateLimitExceeded");
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await second.PostAsync("com.atproto.server.createSession", new { identifier, password = "nope" }, null), HttpStatusCode.TooManyRequests, "RateLimitExceeded");
        Assert.NotEmpty(_redis.Address);
    }
}

/// <summary>
/// The limiters count in fixed windows aligned to the clock (a 5-minute window ends at :00, :05,
/// ...), so a test that spends a budget and then expects it spent must not straddle a window's
/// end: it starts in the next window when fewer than <c>needed</c> remain of the current one.
/// </summary>
internal static class RateLimitWindows
{
    public static async Task AwaitRoomAsync(TimeSpan window, TimeSpan needed)
    {
        var windowMs = (long)window.TotalMilliseconds;
        var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var leftMs = windowMs - (nowMs % windowMs);
        if (leftMs < needed.TotalMilliseconds)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(leftMs + 50));
        }
    }
}

/// <summary>A server with rate limits on (and, when <see cref="Redis"/> is set, shared through Redis).</summary>
public sealed class RateLimitedFactory : PdsApiFactory
{
    public const string BypassKey = "bypass-secret-for-tests";

    public string? Redis { get; init; }

    protected override IReadOnlyDictionary<string, string> ExtraSettings
    {
        get
        {
            var settings = new Dictionary<string, string>
            {
                ["PDS_RATE_LIMITS_ENABLED"] = "true",
                ["PDS_RATE_LIMIT_BYPASS_KEY"] = BypassKey,
            };
            if (Redis is not null)
            {
                settings["PDS_REDIS_SCRATCH_ADDRESS"] = Redis;
            }

            return settings;
        }
    }
}
