using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using DnsClient;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Pds.Api.Tests.Xrpc;
using Pds.Infrastructure.Identity;
using Pds.TestKit;

namespace Pds.Api.Tests.OAuth;

/// <summary>
/// <c>include:</c> scopes: the permission set is resolved through lexicon resolution (DNS, DID,
/// signed record proof) from a loopback stand-in for its author, shown on the consent page, and
/// what it expands to is what the token may do.
/// </summary>
public sealed class PermissionSetScopeTests(PermissionSetFactory factory) : IClassFixture<PermissionSetFactory>
{
    private const string SetNsid = "com.example.authBasicFeatures";
    private const string Scope = "atproto include:" + SetNsid;

    private static Dictionary<string, object> Record(string type, string text) => new()
    {
        ["$type"] = type,
        ["text"] = text,
        ["createdAt"] = "2026-12-02T00:00:00.000Z",
    };

    [Fact]
    public async Task IncludedSet_IsShownOnConsent_AndItsPermissionsAreWhatTheTokenMayDo()
    {
        factory.Publisher.Publish(SetNsid, """
            {"lexicon":1,"id":"com.example.authBasicFeatures","defs":{"main":{"type":"permission-set",
             "title":"Example posting","detail":"Write example posts",
             "permissions":[
               {"type":"permission","resource":"repo","collection":["com.example.post"],"action":["create"]},
               {"type":"permission","resource":"repo","collection":["app.bsky.feed.post"]}
             ]}}}
            """);
        var account = await factory.CreateClient().CreateAccountAsync();
        var browser = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        using var client = new OAuthTestClient(browser, OAuthTestClient.LoopbackClientId(Scope), "http://127.0.0.1/callback");
        var verifier = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var requestUri = await client.PushAsync(Scope, verifier);

        // The consent page names the set by its author's title and spells out what it grants
        // (only what lies in the set's own namespace).
        var signIn = await client.PostPageAsync(
            "/oauth/authorize/sign-in",
            await browser.GetStringAsync(client.AuthorizeUrl(requestUri)),
            new() { ["identifier"] = account.Handle, ["password"] = account.Password });
        var consent = await browser.GetStringAsync(signIn.Headers.Location!.ToString());
        Assert.Contains("Example posting", consent, StringComparison.Ordinal);
        Assert.Contains("Write example posts", consent, StringComparison.Ordinal);
        Assert.Contains("repo:com.example.post?action=create", consent, StringComparison.Ordinal);
        Assert.DoesNotContain("repo:app.bsky.feed.post", consent, StringComparison.Ordinal);

        var accept = await client.PostPageAsync("/oauth/authorize/accept", consent, [], OAuthTestClient.ScopeCheckboxes(consent).Select(s => new KeyValuePair<string, string>("scope", s)));
        var code = OAuthTestClient.Query(accept.Headers.Location!)["code"];
        var (status, tokens, _) = await client.RedeemAsync(code, verifier);
        Assert.Equal(HttpStatusCode.OK, status);
        var access = tokens.GetProperty("access_token").GetString()!;

        await (await client.XrpcAsync(HttpMethod.Post, "com.atproto.repo.createRecord", access, new { repo = account.Did, collection = "com.example.post", record = Record("com.example.post", "inside the set") })).ReadOkJsonAsync();
        var outside = await client.XrpcAsync(HttpMethod.Post, "com.atproto.repo.createRecord", access, new { repo = account.Did, collection = "app.bsky.feed.post", record = Record("app.bsky.feed.post", "outside") });
        await XrpcPipelineTests.AssertXrpcErrorAsync(outside, HttpStatusCode.Forbidden, "InsufficientScope");
    }

    [Fact]
    public async Task UnresolvableSet_RefusesTheRequestAtPar()
    {
        const string scope = "atproto include:org.unpublished.authAll";
        using var client = new OAuthTestClient(factory.CreateClient(), OAuthTestClient.LoopbackClientId(scope), "http://127.0.0.1/callback");
        var (status, body, _) = await client.PostFormAsync("/oauth/par", new()
        {
            ["client_id"] = client.ClientId,
            ["response_type"] = "code",
            ["redirect_uri"] = client.RedirectUri,
            ["scope"] = scope,
            ["state"] = "s",
            ["code_challenge"] = Base64Url.EncodeToString(SHA256.HashData(RandomNumberGenerator.GetBytes(32))),
            ["code_challenge_method"] = "S256",
        });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_scope", body.GetProperty("error").GetString());
        Assert.Contains("org.unpublished.authAll", body.GetProperty("error_description").GetString(), StringComparison.Ordinal);
    }
}

/// <summary>A server whose DNS lookups go to the lexicon author stand-in, and which may fetch from loopback.</summary>
public sealed class PermissionSetFactory : PdsApiFactory
{
    public LoopbackLexiconPublisher Publisher { get; } = new();

    protected override IReadOnlyDictionary<string, string> ExtraSettings { get; } = new Dictionary<string, string>
    {
        ["PDS_DEV_MODE"] = "true",
        ["PDS_OAUTH_LOOPBACK_CLIENT_METADATA"] = "true",
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton(new HandleResolverEndpoints
        {
            NameServers = [new NameServer(IPAddress.Loopback, Publisher.Dns.Port)],
        }));
    }

    protected override async Task DisposeExtrasAsync() => await Publisher.DisposeAsync();
}
