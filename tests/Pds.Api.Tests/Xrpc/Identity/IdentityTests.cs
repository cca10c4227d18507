using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Domain.Crypto;
using Pds.Domain.Data;
using Pds.Domain.Events;
using Pds.Domain.Identity;

namespace Pds.Api.Tests.Xrpc.Identity;

/// <summary>com.atproto.identity.* and the identity well-known documents.</summary>
public sealed partial class IdentityTests(PdsApiFactory factory) : IClassFixture<PdsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task ResolveHandle_LocalAccountAnyCase_ReturnsDid()
    {
        var account = await _client.CreateAccountAsync();
        var body = await (await _client.GetAsync($"com.atproto.identity.resolveHandle?handle={account.Handle.ToUpperInvariant()}", null)).ReadOkJsonAsync();
        Assert.Equal(account.Did, body.GetProperty("did").GetString());
    }

    [Fact]
    public async Task ResolveHandle_Unknown_400HandleNotFound()
    {
        var response = await _client.GetAsync("com.atproto.identity.resolveHandle?handle=nobody-here-at-all.test", null);
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "HandleNotFound");
    }

    [Fact]
    public async Task ResolveHandle_BadSyntax_400InvalidRequest()
    {
        var response = await _client.GetAsync("com.atproto.identity.resolveHandle?handle=not_a_handle", null);
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "InvalidRequest");
    }

    [Fact]
    public async Task WellKnownAtprotoDid_HostIsHostedHandle_ReturnsDid()
    {
        var account = await _client.CreateAccountAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/atproto-did");
        request.Headers.Host = account.Handle;
        var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(account.Did, (await response.Content.ReadAsStringAsync()).Trim());

        var unknown = new HttpRequestMessage(HttpMethod.Get, "/.well-known/atproto-did");
        unknown.Headers.Host = "nobody-here.test";
        Assert.Equal(HttpStatusCode.NotFound, (await _client.SendAsync(unknown)).StatusCode);
    }

    [Fact]
    public async Task WellKnownDidJson_HostedDidWeb_ServesDocument()
    {
        var handle = XrpcClient.NewHandle("web");
        var did = "did:web:" + handle;
        await (await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createAccount", new { handle, did, email = $"{handle}@example.com", password = "pw-123456" })).ReadOkJsonAsync();

        var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/did.json");
        request.Headers.Host = handle;
        var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = DidDocument.Parse(await response.Content.ReadAsStringAsync(), did);
        Assert.Equal(handle, document.GetHandle()?.ToString());
        var key = await factory.WithScopeAsync(sp => sp.GetRequiredService<IRepoKeyStore>().GetAsync(did));
        Assert.Equal(key!.DidKey(), document.GetSigningKey());
    }

    [Fact]
    public async Task UpdateHandle_NewServiceHandle_UpdatesPlcDocumentResolutionAndSequencesIdentity()
    {
        var account = await _client.CreateAccountAsync();
        var newHandle = XrpcClient.NewHandle("renamed");

        var response = await _client.PostAsync("com.atproto.identity.updateHandle", new { handle = newHandle }, account.AccessJwt);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var data = PlcData.FromJson(await _client.GetStringAsync($"/plc/{account.Did}/data"));
        Assert.Equal("at://" + newHandle, data.AlsoKnownAs[0]);
        var resolved = await (await _client.GetAsync($"com.atproto.identity.resolveHandle?handle={newHandle}", null)).ReadOkJsonAsync();
        Assert.Equal(account.Did, resolved.GetProperty("did").GetString());
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.GetAsync($"com.atproto.identity.resolveHandle?handle={account.Handle}", null), HttpStatusCode.BadRequest, "HandleNotFound");

        var events = await factory.WithScopeAsync(sp => sp.GetRequiredService<ISequencer>().ReadAfterAsync(0, 10_000));
        var last = events.Last(e => e.Did == account.Did);
        Assert.Equal("identity", last.EventType);
        var identity = (IdentityEvent)RepoEvent.FromPayload(IdentityEvent.TypeName, (LexMap)DagCbor.Decode(last.Event));
        Assert.Equal(newHandle, identity.Handle?.ToString());
    }

    [Fact]
    public async Task UpdateHandle_TakenByOther_400HandleNotAvailable()
    {
        var alice = await _client.CreateAccountAsync();
        var bob = await _client.CreateAccountAsync();
        var response = await _client.PostAsync("com.atproto.identity.updateHandle", new { handle = alice.Handle }, bob.AccessJwt);
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "HandleNotAvailable");
    }

    [Fact]
    public async Task UpdateHandle_ExternalDomainNotPointingHere_400InvalidHandle()
    {
        var account = await _client.CreateAccountAsync();
        var response = await _client.PostAsync("com.atproto.identity.updateHandle", new { handle = "someone.example.com" }, account.AccessJwt);
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "InvalidHandle");
    }

    [Fact]
    public async Task UpdateHandle_Unauthenticated_401()
    {
        var response = await _client.PostAsync("com.atproto.identity.updateHandle", new { handle = "x-y-z.test" }, null);
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.Unauthorized, "AuthenticationRequired");
    }

    [Fact]
    public async Task ResolveIdentity_ByHandleAndByDid_BidirectionallyVerified()
    {
        var account = await _client.CreateAccountAsync();
        foreach (var identifier in new[] { account.Handle, account.Did })
        {
            var body = await (await _client.GetAsync($"com.atproto.identity.resolveIdentity?identifier={identifier}", null)).ReadOkJsonAsync();
            Assert.Equal(account.Did, body.GetProperty("did").GetString());
            Assert.Equal(account.Handle, body.GetProperty("handle").GetString());
            Assert.Equal(account.Did, body.GetProperty("didDoc").GetProperty("id").GetString());
        }

        var refreshed = await (await _client.PostAsync("com.atproto.identity.refreshIdentity", new { identifier = account.Handle }, null)).ReadOkJsonAsync();
        Assert.Equal(account.Did, refreshed.GetProperty("did").GetString());
    }

    [Fact]
    public async Task ResolveIdentity_DocumentClaimsHandleOfOtherAccount_HandleInvalid()
    {
        // An identity whose document claims a handle that resolves to someone else.
        var victim = await _client.CreateAccountAsync();
        using var key = Secp256k1Keypair.Generate();
        var op = PlcOperation.CreateAtprotoGenesis([key.DidKey()], key.DidKey(), victim.Handle, "https://elsewhere.example.com").Sign(key);
        var did = PlcDid.Derive(op);
        (await _client.PostAsync($"/plc/{did}", new StringContent(op.ToJson(), System.Text.Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();

        var body = await (await _client.GetAsync($"com.atproto.identity.resolveIdentity?identifier={did}", null)).ReadOkJsonAsync();
        Assert.Equal("handle.invalid", body.GetProperty("handle").GetString());
    }

    [Fact]
    public async Task ResolveDid_Known_ReturnsDocument_Unknown_400DidNotFound()
    {
        var account = await _client.CreateAccountAsync();
        var body = await (await _client.GetAsync($"com.atproto.identity.resolveDid?did={account.Did}", null)).ReadOkJsonAsync();
        Assert.Equal(account.Did, body.GetProperty("didDoc").GetProperty("id").GetString());

        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.GetAsync("com.atproto.identity.resolveDid?did=did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", null), HttpStatusCode.BadRequest, "DidNotFound");
    }

    [Fact]
    public async Task GetRecommendedDidCredentials_MatchesCurrentDocument()
    {
        var account = await _client.CreateAccountAsync();
        var body = await (await _client.GetAsync("com.atproto.identity.getRecommendedDidCredentials", account.AccessJwt)).ReadOkJsonAsync();
        var data = PlcData.FromJson(await _client.GetStringAsync($"/plc/{account.Did}/data"));

        Assert.Equal(data.SigningKey, body.GetProperty("verificationMethods").GetProperty("atproto").GetString());
        Assert.Equal(data.PdsEndpoint, body.GetProperty("services").GetProperty("atproto_pds").GetProperty("endpoint").GetString());
        Assert.Equal(["at://" + account.Handle], body.GetProperty("alsoKnownAs").EnumerateArray().Select(e => e.GetString()));
        var rotation = Assert.Single(body.GetProperty("rotationKeys").EnumerateArray()).GetString();
        Assert.Contains(rotation, data.RotationKeys);
    }

    [Fact]
    public async Task PlcOperationFlow_EmailedTokenSignsUpdateWhichSubmits()
    {
        var account = await _client.CreateAccountAsync();
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("com.atproto.identity.requestPlcOperationSignature", null, account.AccessJwt)).StatusCode);
        var token = ReadLatestToken(account.Email);

        var recommended = await (await _client.GetAsync("com.atproto.identity.getRecommendedDidCredentials", account.AccessJwt)).ReadOkJsonAsync();
        using var extraRotation = Secp256k1Keypair.Generate();
        var rotationKeys = new[] { extraRotation.DidKey() }.Concat(recommended.GetProperty("rotationKeys").EnumerateArray().Select(k => k.GetString()!)).ToArray();
        var signed = await (await _client.PostAsync("com.atproto.identity.signPlcOperation", new { token, rotationKeys }, account.AccessJwt)).ReadOkJsonAsync();
        var operation = signed.GetProperty("operation");

        // The token is single-use.
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.PostAsync("com.atproto.identity.signPlcOperation", new { token, rotationKeys }, account.AccessJwt), HttpStatusCode.BadRequest, "InvalidToken");

        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("com.atproto.identity.submitPlcOperation", new { operation }, account.AccessJwt)).StatusCode);
        var data = PlcData.FromJson(await _client.GetStringAsync($"/plc/{account.Did}/data"));
        Assert.Equal(rotationKeys, data.RotationKeys);
        var events = await factory.WithScopeAsync(sp => sp.GetRequiredService<ISequencer>().ReadAfterAsync(0, 10_000));
        Assert.Equal("identity", events.Last(e => e.Did == account.Did).EventType);
    }

    [Fact]
    public async Task SignPlcOperation_WrongToken_400InvalidToken()
    {
        var account = await _client.CreateAccountAsync();
        await _client.PostAsync("com.atproto.identity.requestPlcOperationSignature", null, account.AccessJwt);
        var response = await _client.PostAsync("com.atproto.identity.signPlcOperation", new { token = "AAAAA-BBBBB" }, account.AccessJwt);
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "InvalidToken");
    }

    [Fact]
    public async Task SubmitPlcOperation_DropsServerRotationKey_400AndDirectoryUnchanged()
    {
        var account = await _client.CreateAccountAsync();
        var before = await _client.GetStringAsync($"/plc/{account.Did}/log/audit");
        using var other = Secp256k1Keypair.Generate();
        var rotation = Secp256k1Keypair.ImportHex(factory.Services.GetRequiredService<PdsOptions>().Secrets.PlcRotationKeyK256PrivateKeyHex);
        var last = PlcOperation.FromJson(await _client.GetStringAsync($"/plc/{account.Did}/log/last"));
        var op = PlcOperation.CreateUpdate(last, new PlcOperationChanges { RotationKeys = [other.DidKey()] }).Sign(rotation);

        var response = await _client.PostAsync("com.atproto.identity.submitPlcOperation", new { operation = JsonDocument.Parse(op.ToJson()).RootElement }, account.AccessJwt);
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "InvalidRequest");
        Assert.Equal(before, await _client.GetStringAsync($"/plc/{account.Did}/log/audit"));
    }

    private string ReadLatestToken(string email)
    {
        var directory = Path.Combine(factory.DataDirectory, "mail");
        var file = Directory.GetFiles(directory, "*.eml")
            .Where(f => File.ReadAllText(f).Contains("To: " + email, StringComparison.Ordinal))
            .OrderBy(File.GetLastWriteTimeUtc)
            .Last();
        return TokenPattern().Match(File.ReadAllText(file)).Value;
    }

    [GeneratedRegex("[A-Z2-7]{5}-[A-Z2-7]{5}")]
    private static partial Regex TokenPattern();
}
