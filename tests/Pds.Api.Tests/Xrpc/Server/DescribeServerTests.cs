using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Pds.Api.Tests.Xrpc.Server;

public sealed class DescribeServerTests : IClassFixture<PdsApiFactory>
{
    private readonly PdsApiFactory _factory;

    public DescribeServerTests(PdsApiFactory factory)
    {
        _factory = factory;
    }

    [Fact]
    public async Task DescribeServer_DevDefaults_LexiconShape()
    {
        var response = await _factory.CreateClient().GetAsync("/xrpc/com.atproto.server.describeServer");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal("did:web:localhost", body.GetProperty("did").GetString());
        Assert.Equal([".test"], body.GetProperty("availableUserDomains").EnumerateArray().Select(d => d.GetString()));
        Assert.False(body.GetProperty("inviteCodeRequired").GetBoolean());
        Assert.Equal(JsonValueKind.Object, body.GetProperty("links").ValueKind);
        Assert.Equal(JsonValueKind.Object, body.GetProperty("contact").ValueKind);
        // Unset optional values are omitted, never null.
        Assert.DoesNotContain(body.GetProperty("links").EnumerateObject(), p => p.Value.ValueKind == JsonValueKind.Null);
        Assert.DoesNotContain(body.GetProperty("contact").EnumerateObject(), p => p.Value.ValueKind == JsonValueKind.Null);

        // Only properties the lexicon defines.
        string[] allowed = ["did", "availableUserDomains", "inviteCodeRequired", "phoneVerificationRequired", "blobUploadLimit", "links", "contact"];
        Assert.All(body.EnumerateObject(), p => Assert.Contains(p.Name, allowed));
    }
}

public sealed class DescribeServerConfiguredTests : IClassFixture<ConfiguredPdsApiFactory>
{
    private readonly ConfiguredPdsApiFactory _factory;

    public DescribeServerConfiguredTests(ConfiguredPdsApiFactory factory)
    {
        _factory = factory;
    }

    [Fact]
    public async Task DescribeServer_Configured_ReflectsSettings()
    {
        var body = await _factory.CreateClient().GetFromJsonAsync<JsonElement>("/xrpc/com.atproto.server.describeServer");

        Assert.Equal("did:web:pds.example.com", body.GetProperty("did").GetString());
        Assert.Equal([".example.com", ".example.org"], body.GetProperty("availableUserDomains").EnumerateArray().Select(d => d.GetString()));
        Assert.True(body.GetProperty("inviteCodeRequired").GetBoolean());
        Assert.Equal("https://example.com/privacy", body.GetProperty("links").GetProperty("privacyPolicy").GetString());
        Assert.Equal("https://example.com/tos", body.GetProperty("links").GetProperty("termsOfService").GetString());
        Assert.Equal("admin@example.com", body.GetProperty("contact").GetProperty("email").GetString());
    }

    [Fact]
    public async Task JsonBodyLimit_Configured_Enforced()
    {
        var body = "{\"text\":\"" + new string('a', 3000) + "\"}";
        var response = await _factory.CreateClient().PostAsync("/probe/echo", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "PayloadTooLarge");
    }
}
