using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Pds.Domain.Crypto;
using Pds.Domain.Identity;

namespace Pds.Api.Tests.Plc;

public sealed class EmbeddedPlcDirectoryTests(PdsApiFactory factory) : IClassFixture<PdsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();
    private readonly Secp256k1Keypair _rotation = Secp256k1Keypair.Generate();
    private readonly Secp256k1Keypair _recovery = Secp256k1Keypair.Generate();
    private readonly Secp256k1Keypair _signing = Secp256k1Keypair.Generate();

    [Fact]
    public async Task Genesis_Submitted_ResolvesToDocumentDataAndLogs()
    {
        var (did, genesis) = await CreateDidAsync("alice.test");

        var doc = await _client.GetAsync($"/plc/{did}");
        Assert.Equal(HttpStatusCode.OK, doc.StatusCode);
        Assert.Equal("application/did+ld+json", doc.Content.Headers.ContentType?.MediaType);
        var parsed = DidDocument.Parse(await doc.Content.ReadAsStringAsync(), did);
        Assert.Equal("alice.test", parsed.GetHandle()?.ToString());
        Assert.Equal("https://pds.example.com", parsed.GetPdsEndpoint()?.ToString().TrimEnd('/'));
        Assert.Equal(_signing.DidKey(), parsed.GetSigningKey());

        using var data = JsonDocument.Parse(await _client.GetStringAsync($"/plc/{did}/data"));
        Assert.Equal(_rotation.DidKey(), data.RootElement.GetProperty("rotationKeys")[0].GetString());

        using var log = JsonDocument.Parse(await _client.GetStringAsync($"/plc/{did}/log"));
        Assert.Equal(1, log.RootElement.GetArrayLength());
        using var last = JsonDocument.Parse(await _client.GetStringAsync($"/plc/{did}/log/last"));
        Assert.Equal(genesis.Cid, PlcOperation.FromJson(last.RootElement.GetRawText()).Cid);

        // The audit log verifies in full with the domain's independent checker.
        var audit = await _client.GetStringAsync($"/plc/{did}/log/audit");
        var state = PlcAuditLog.Verify(did, audit);
        Assert.Equal(genesis.Cid, state.HeadCid);
    }

    [Fact]
    public async Task RootPaths_ServeTheSameDirectory_AsPlcDirectoryDoes()
    {
        var (did, genesis) = await CreateDidAsync("rooted.test");

        Assert.Equal(await _client.GetStringAsync($"/plc/{did}"), await _client.GetStringAsync($"/{did}"));
        Assert.Equal(await _client.GetStringAsync($"/plc/{did}/log/audit"), await _client.GetStringAsync($"/{did}/log/audit"));
        using var last = JsonDocument.Parse(await _client.GetStringAsync($"/{did}/log/last"));
        Assert.Equal(genesis.Cid, PlcOperation.FromJson(last.RootElement.GetRawText()).Cid);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/not-a-did")).StatusCode);
    }

    [Fact]
    public async Task Update_SignedByRotationKey_ChangesHandle()
    {
        var (did, genesis) = await CreateDidAsync("before.test");
        var update = PlcOperation.CreateUpdate(genesis, new PlcOperationChanges { Handle = "after.test" }).Sign(_rotation);

        Assert.Equal(HttpStatusCode.OK, (await Post(did, update)).StatusCode);

        var doc = DidDocument.Parse(await _client.GetStringAsync($"/plc/{did}"), did);
        Assert.Equal("after.test", doc.GetHandle()?.ToString());
        using var log = JsonDocument.Parse(await _client.GetStringAsync($"/plc/{did}/log"));
        Assert.Equal(2, log.RootElement.GetArrayLength());
    }

    [Fact]
    public async Task Update_SignedByNonRotationKey_RejectedAndLogUnchanged()
    {
        var (did, genesis) = await CreateDidAsync("victim.test");
        var forged = PlcOperation.CreateUpdate(genesis, new PlcOperationChanges { Handle = "attacker.test" }).Sign(_signing);

        var response = await Post(did, forged);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(string.IsNullOrEmpty((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString()));
        var state = PlcAuditLog.Verify(did, await _client.GetStringAsync($"/plc/{did}/log/audit"));
        Assert.Single(state.Entries);
    }

    [Fact]
    public async Task Genesis_PostedUnderAnotherDid_Rejected()
    {
        var genesis = Genesis("wrong.test");
        var other = PlcDid.Derive(Genesis("other.test"));

        var response = await Post(other, genesis);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"/plc/{other}")).StatusCode);
    }

    [Fact]
    public async Task Recovery_HigherAuthorityKeyWithinWindow_NullifiesLaterOperation()
    {
        var (did, genesis) = await CreateDidAsync("recover.test", [_recovery.DidKey(), _rotation.DidKey()]);
        var hostile = PlcOperation.CreateUpdate(genesis, new PlcOperationChanges { Handle = "hostile.test" }).Sign(_rotation);
        Assert.Equal(HttpStatusCode.OK, (await Post(did, hostile)).StatusCode);

        var recovery = PlcOperation.CreateUpdate(genesis, new PlcOperationChanges { Handle = "recovered.test" }).Sign(_recovery);
        Assert.Equal(HttpStatusCode.OK, (await Post(did, recovery)).StatusCode);

        var state = PlcAuditLog.Verify(did, await _client.GetStringAsync($"/plc/{did}/log/audit"));
        Assert.Equal(3, state.Entries.Count);
        Assert.True(state.Entries.Single(e => e.Cid == hostile.Cid).Nullified);
        Assert.Equal("recovered.test", DidDocument.Parse(await _client.GetStringAsync($"/plc/{did}"), did).GetHandle()?.ToString());
    }

    [Fact]
    public async Task Tombstone_MakesDocumentGone()
    {
        var (did, genesis) = await CreateDidAsync("gone.test");

        Assert.Equal(HttpStatusCode.OK, (await Post(did, PlcOperation.CreateTombstone(genesis.Cid).Sign(_rotation))).StatusCode);

        Assert.Equal(HttpStatusCode.Gone, (await _client.GetAsync($"/plc/{did}")).StatusCode);
        Assert.Equal(HttpStatusCode.Gone, (await _client.GetAsync($"/plc/{did}/data")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"/plc/{did}/log/audit")).StatusCode);
    }

    [Fact]
    public async Task UnknownDid_NotFoundWithMessage()
    {
        var response = await _client.GetAsync("/plc/did:plc:aaaaaaaaaaaaaaaaaaaaaaaa");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", body.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("{\"type\":\"plc_operation\"}")]
    [InlineData("[]")]
    public async Task MalformedOperation_BadRequest(string body)
    {
        var did = PlcDid.Derive(Genesis("malformed.test"));

        var response = await _client.PostAsync($"/plc/{did}", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private PlcOperation Genesis(string handle, IReadOnlyList<string>? rotationKeys = null) =>
        PlcOperation.CreateAtprotoGenesis(rotationKeys ?? [_rotation.DidKey()], _signing.DidKey(), handle, "https://pds.example.com")
            .Sign(rotationKeys is null ? _rotation : _recovery);

    private async Task<(string Did, PlcOperation Genesis)> CreateDidAsync(string handle, IReadOnlyList<string>? rotationKeys = null)
    {
        var genesis = Genesis(handle, rotationKeys);
        var did = PlcDid.Derive(genesis);
        var response = await Post(did, genesis);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (did, genesis);
    }

    private Task<HttpResponseMessage> Post(string did, PlcOperation op) =>
        _client.PostAsync($"/plc/{did}", new StringContent(op.ToJson(), Encoding.UTF8, "application/json"));
}

public sealed class EmbeddedPlcDirectoryConfigurationTests(ExternalPlcFactory factory) : IClassFixture<ExternalPlcFactory>
{
    [Fact]
    public async Task ExternalDirectoryConfigured_EmbeddedRoutesAreNotServed()
    {
        foreach (var path in new[] { "/plc/did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", "/did:plc:aaaaaaaaaaaaaaaaaaaaaaaa" })
        {
            var response = await factory.CreateClient().GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal(string.Empty, await response.Content.ReadAsStringAsync());
        }
    }
}

public sealed class ExternalPlcFactory : PdsApiFactory
{
    protected override IReadOnlyDictionary<string, string> ExtraSettings { get; } = new Dictionary<string, string>
    {
        ["PDS_DID_PLC_URL"] = "http://127.0.0.1:9/",
    };
}
