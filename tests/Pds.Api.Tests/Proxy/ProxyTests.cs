using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pds.Api.Tests.Xrpc;
using Pds.Application.Common.Abstractions;

namespace Pds.Api.Tests.Proxy;

/// <summary>Service proxying: atproto-proxy routing, the AppView default, service auth, and upstream failures.</summary>
public sealed class ProxyTests : IClassFixture<ProxyFactory>
{
    private readonly ProxyFactory _factory;
    private readonly HttpClient _client;

    public ProxyTests(ProxyFactory factory)
    {
        _factory = factory;
        _client = factory.CreateClient();
        factory.StandIn.KeyOf = did => factory.WithScopeAsync(async sp =>
            (await sp.GetRequiredService<IDidResolver>().ResolveAsync(did))?.Document.GetSigningKey());
        factory.StandIn.Respond = r => Task.FromResult((200, $$"""{"served":"{{r.Lxm}}"}""", (Dictionary<string, string>?)new() { ["atproto-content-labelers"] = "did:plc:labeler" }));
    }

    private static HttpRequestMessage Request(HttpMethod method, string pathAndQuery, string bearer, string? proxy = null, string? json = null)
    {
        var request = new HttpRequestMessage(method, "/xrpc/" + pathAndQuery);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (proxy is not null)
        {
            request.Headers.Add("atproto-proxy", proxy);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return request;
    }

    [Fact]
    public async Task AppBsky_WithoutHeader_ReachesTheAppView_AsTheUser()
    {
        var account = await _client.CreateAccountAsync();
        var request = Request(HttpMethod.Get, "app.bsky.feed.getTimeline?limit=5&cursor=abc", account.AccessJwt);
        request.Headers.AcceptLanguage.ParseAdd("fr");
        request.Headers.Add("atproto-accept-labelers", "did:plc:mod");
        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("app.bsky.feed.getTimeline", (await response.ReadOkJsonAsync()).GetProperty("served").GetString());
        Assert.Equal("did:plc:labeler", response.Headers.GetValues("atproto-content-labelers").Single());

        var call = Assert.Single(_factory.StandIn.Calls, c => c.Iss == account.Did);
        Assert.Equal("/xrpc/app.bsky.feed.getTimeline?limit=5&cursor=abc", call.PathAndQuery);
        Assert.Equal(_factory.StandIn.Did + "#bsky_appview", call.Aud);
        Assert.Equal("fr", call.Headers["accept-language"]);
        Assert.Equal("did:plc:mod", call.Headers["atproto-accept-labelers"]);
    }

    [Fact]
    public async Task ProxyHeader_RoutesAPostWithItsBody_ToTheNamedService()
    {
        var account = await _client.CreateAccountAsync();
        var privileged = (await (await _client.PostAsync("com.atproto.server.createAppPassword", new { name = "chat", privileged = true }, account.AccessJwt)).ReadOkJsonAsync()).GetProperty("password").GetString();
        var session = await (await _client.PostAsync("com.atproto.server.createSession", new { identifier = account.Handle, password = privileged }, null)).ReadOkJsonAsync();

        var response = await _client.SendAsync(Request(
            HttpMethod.Post, "chat.bsky.convo.sendMessage", session.GetProperty("accessJwt").GetString()!, _factory.StandIn.Did + "#bsky_chat", """{"convoId":"c1","message":{"text":"hi"}}"""));
        Assert.Equal("chat.bsky.convo.sendMessage", (await response.ReadOkJsonAsync()).GetProperty("served").GetString());
        var call = Assert.Single(_factory.StandIn.Calls, c => c.Iss == account.Did);
        Assert.Equal("POST", call.Method);
        Assert.Equal(_factory.StandIn.Did + "#bsky_chat", call.Aud);
        Assert.Equal("hi", JsonDocument.Parse(call.Body).RootElement.GetProperty("message").GetProperty("text").GetString());
    }

    [Fact]
    public async Task RegisterPush_GoesToTheServiceItNames_WithThatDidAsAudience()
    {
        var account = await _client.CreateAccountAsync();
        var body = $$"""{"serviceDid":"{{_factory.StandIn.Did}}","token":"device-token","platform":"ios","appId":"xyz.blueskyweb.app"}""";
        var response = await _client.SendAsync(Request(HttpMethod.Post, "app.bsky.notification.registerPush", account.AccessJwt, json: body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var call = Assert.Single(_factory.StandIn.Calls, c => c.Iss == account.Did);
        Assert.Equal(_factory.StandIn.Did, call.Aud);
        Assert.Equal("device-token", JsonDocument.Parse(call.Body).RootElement.GetProperty("token").GetString());

        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.SendAsync(Request(HttpMethod.Post, "app.bsky.notification.registerPush", account.AccessJwt, json: """{"serviceDid":"nope","token":"t","platform":"ios","appId":"a"}""")),
            HttpStatusCode.BadRequest, "InvalidRequest");
    }

    [Fact]
    public async Task PrivilegedMethods_RefuseOrdinaryAppPasswords_AndChatNeedsATarget()
    {
        var account = await _client.CreateAccountAsync();
        var plain = (await (await _client.PostAsync("com.atproto.server.createAppPassword", new { name = "plain" }, account.AccessJwt)).ReadOkJsonAsync()).GetProperty("password").GetString();
        var session = await (await _client.PostAsync("com.atproto.server.createSession", new { identifier = account.Handle, password = plain }, null)).ReadOkJsonAsync();
        var appPassword = session.GetProperty("accessJwt").GetString()!;

        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.SendAsync(Request(HttpMethod.Get, "chat.bsky.convo.listConvos", appPassword, _factory.StandIn.Did + "#bsky_chat")),
            HttpStatusCode.BadRequest, "InvalidToken");
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.SendAsync(Request(HttpMethod.Get, "chat.bsky.convo.listConvos", account.AccessJwt)),
            HttpStatusCode.BadRequest, "InvalidRequest");
        Assert.DoesNotContain(_factory.StandIn.Calls, c => c.Iss == account.Did);

        // An ordinary app password still reaches the AppView.
        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(Request(HttpMethod.Get, "app.bsky.feed.getTimeline", appPassword))).StatusCode);
    }

    [Theory]
    [InlineData("#bsky_chat")]
    [InlineData("did:web:example.com")]
    [InlineData("did:web:example.com#")]
    [InlineData("did:web:example.com#a#b")]
    [InlineData("not-a-did#svc")]
    [InlineData("did:web:unresolvable.invalid#svc")]
    public async Task MalformedOrUnresolvableProxyHeaders_AreInvalidRequest(string header)
    {
        var account = await _client.CreateAccountAsync();
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.SendAsync(Request(HttpMethod.Get, "app.bsky.feed.getTimeline", account.AccessJwt, header)),
            HttpStatusCode.BadRequest, "InvalidRequest");
    }

    [Fact]
    public async Task Unauthenticated_401_AndNothingReachesUpstream()
    {
        var before = _factory.StandIn.Calls.Count;
        var response = await _client.GetAsync("/xrpc/app.bsky.feed.getTimeline");
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.Unauthorized, "AuthenticationRequired");
        Assert.Equal(before, _factory.StandIn.Calls.Count);
    }

    [Fact]
    public async Task UpstreamErrors_PassOnTheirName_And500sBecomeUpstreamFailure()
    {
        var account = await _client.CreateAccountAsync();
        _factory.StandIn.Respond = r => Task.FromResult(r.Lxm switch
        {
            "app.bsky.actor.getProfile" => (400, """{"error":"ProfileNotFound","message":"no such actor"}""", (Dictionary<string, string>?)null),
            "app.bsky.graph.getFollows" => (404, "[1,2,3]", (Dictionary<string, string>?)null),
            _ => (500, """{"error":"InternalServerError","message":"boom"}""", (Dictionary<string, string>?)null),
        });

        var notFound = await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.SendAsync(Request(HttpMethod.Get, "app.bsky.actor.getProfile?actor=x.test", account.AccessJwt)), HttpStatusCode.BadRequest, "ProfileNotFound");
        Assert.Equal("no such actor", notFound.GetProperty("message").GetString());
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.SendAsync(Request(HttpMethod.Get, "app.bsky.feed.getTimeline", account.AccessJwt)), HttpStatusCode.BadGateway, "UpstreamFailure");

        // An error body that is JSON but not an XRPC error object passes on only its status.
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.SendAsync(Request(HttpMethod.Get, "app.bsky.graph.getFollows?actor=x.test", account.AccessJwt)), HttpStatusCode.NotFound, "InvalidRequest");
    }

    [Fact]
    public async Task UnreachableSlowOrOversizedUpstreams_AreRefusedCleanly()
    {
        var account = await _client.CreateAccountAsync();
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.SendAsync(Request(HttpMethod.Get, "app.bsky.feed.getTimeline", account.AccessJwt, _factory.StandIn.Did + "#dead")),
            HttpStatusCode.BadGateway, "UpstreamFailure");

        _factory.StandIn.Respond = async r =>
        {
            if (r.Lxm == "app.bsky.feed.getFeed")
            {
                await Task.Delay(TimeSpan.FromSeconds(5));
            }

            return (200, $$"""{"padding":"{{new string('x', r.Lxm == "app.bsky.feed.getLikes" ? 100_000 : 10)}}"}""", null);
        };
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.SendAsync(Request(HttpMethod.Get, "app.bsky.feed.getFeed?feed=x", account.AccessJwt)), HttpStatusCode.GatewayTimeout, "UpstreamTimeout");
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.SendAsync(Request(HttpMethod.Get, "app.bsky.feed.getLikes?uri=x", account.AccessJwt)), HttpStatusCode.BadGateway, "UpstreamFailure");
    }

    [Fact]
    public async Task UnknownNonAppMethods_WithoutAProxyHeader_AreNotImplemented()
    {
        var account = await _client.CreateAccountAsync();
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.SendAsync(Request(HttpMethod.Get, "com.example.nothing", account.AccessJwt)), HttpStatusCode.NotImplemented, "MethodNotImplemented");
    }
}

/// <summary>A server whose AppView is the loopback stand-in, with tight proxy limits.</summary>
public sealed class ProxyFactory : PdsApiFactory
{
    public AppViewStandIn StandIn { get; } = new();

    protected override IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string>
    {
        ["PDS_BSKY_APP_VIEW_URL"] = StandIn.Url,
        ["PDS_BSKY_APP_VIEW_DID"] = StandIn.Did,
        ["PDS_PROXY_HEADERS_TIMEOUT"] = "1500",
        ["PDS_PROXY_MAX_RESPONSE_SIZE"] = "65536",
    };

    protected override Task DisposeExtrasAsync()
    {
        StandIn.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>An OAuth token reaches a proxied method only with the rpc permission for that service and method.</summary>
public sealed class ProxyOAuthTests(ProxyFactory factory) : IClassFixture<ProxyFactory>
{
    [Fact]
    public async Task OAuthToken_ProxiesOnlyTheMethodsItsRpcScopeNames()
    {
        factory.StandIn.KeyOf = did => factory.WithScopeAsync(async sp =>
            (await sp.GetRequiredService<IDidResolver>().ResolveAsync(did))?.Document.GetSigningKey());
        var aud = factory.StandIn.Did + "#bsky_appview";
        var scope = $"atproto rpc:app.bsky.feed.getTimeline?aud={Uri.EscapeDataString(aud)}";
        var account = await factory.CreateClient().CreateAccountAsync();
        var browser = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        using var client = new Pds.Api.Tests.OAuth.OAuthTestClient(browser, Pds.Api.Tests.OAuth.OAuthTestClient.LoopbackClientId(scope), "http://127.0.0.1/callback");
        var verifier = System.Buffers.Text.Base64Url.EncodeToString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var code = Pds.Api.Tests.OAuth.OAuthTestClient.Query(await client.AuthorizeAsync(await client.PushAsync(scope, verifier), account.Handle, account.Password))["code"];
        var access = (await client.RedeemAsync(code, verifier)).Body.GetProperty("access_token").GetString()!;

        var allowed = await client.XrpcAsync(HttpMethod.Get, "app.bsky.feed.getTimeline?limit=1", access);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Contains(factory.StandIn.Calls, c => c.Iss == account.Did && c.Lxm == "app.bsky.feed.getTimeline");

        var refused = await client.XrpcAsync(HttpMethod.Get, "app.bsky.feed.getAuthorFeed?actor=x.test", access);
        var body = await XrpcPipelineTests.AssertXrpcErrorAsync(refused, HttpStatusCode.Forbidden, "InsufficientScope");
        Assert.Contains("rpc:app.bsky.feed.getAuthorFeed", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(factory.StandIn.Calls, c => c.Iss == account.Did && c.Lxm == "app.bsky.feed.getAuthorFeed");
    }
}
