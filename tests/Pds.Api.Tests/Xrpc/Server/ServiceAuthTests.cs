using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Pds.Application.Common.Abstractions;
using Pds.Domain.Auth;
using Pds.Domain.Identity;

namespace Pds.Api.Tests.Xrpc.Server;

/// <summary>getServiceAuth and reserveSigningKey.</summary>
public sealed class ServiceAuthTests(PdsApiFactory factory) : IClassFixture<PdsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task GetServiceAuth_TokenVerifiesAgainstKeyInDidDocument()
    {
        var account = await _client.CreateAccountAsync();
        var exp = DateTimeOffset.UtcNow.AddMinutes(30).ToUnixTimeSeconds();
        var body = await (await _client.GetAsync($"com.atproto.server.getServiceAuth?aud=did:web:api.example.com&lxm=app.bsky.feed.getTimeline&exp={exp}", account.AccessJwt)).ReadOkJsonAsync();
        var token = body.GetProperty("token").GetString();

        var key = DidDocument.Parse(await _client.GetStringAsync($"/plc/{account.Did}"), account.Did).GetSigningKey();
        var verified = ServiceAuthJwt.Verify(token, key, new ServiceJwtExpectations(["did:web:api.example.com"], "app.bsky.feed.getTimeline"));
        Assert.True(verified.IsValid, verified.Failure.ToString());
        Assert.Equal(account.Did, verified.Claims!.Issuer);
        Assert.Equal(exp, verified.Claims.ExpiresAt.ToUnixTimeSeconds());
        Assert.False(ServiceAuthJwt.Verify(token, key, new ServiceJwtExpectations(["did:web:api.example.com"], "com.atproto.repo.createRecord")).IsValid);
    }

    [Theory]
    [InlineData(2 * 3600)]
    [InlineData(-60)]
    public async Task GetServiceAuth_ExpiryOutOfRange_400BadExpiration(int seconds)
    {
        var account = await _client.CreateAccountAsync();
        var exp = DateTimeOffset.UtcNow.AddSeconds(seconds).ToUnixTimeSeconds();
        var response = await _client.GetAsync($"com.atproto.server.getServiceAuth?aud=did:web:api.example.com&lxm=app.bsky.feed.getTimeline&exp={exp}", account.AccessJwt);
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "BadExpiration");
    }

    [Fact]
    public async Task GetServiceAuth_MethodlessLongLived_400BadExpiration()
    {
        var account = await _client.CreateAccountAsync();
        var exp = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds();
        var response = await _client.GetAsync($"com.atproto.server.getServiceAuth?aud=did:web:api.example.com&exp={exp}", account.AccessJwt);
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "BadExpiration");
    }

    [Fact]
    public async Task GetServiceAuth_AppPasswordForPrivilegedMethod_400()
    {
        var account = await _client.CreateAccountAsync();
        var created = await (await _client.PostAsync("com.atproto.server.createAppPassword", new { name = "app" }, account.AccessJwt)).ReadOkJsonAsync();
        var session = await (await _client.PostAsync("com.atproto.server.createSession", new { identifier = account.Handle, password = created.GetProperty("password").GetString() }, null)).ReadOkJsonAsync();
        var appAccess = session.GetProperty("accessJwt").GetString();

        var response = await _client.GetAsync("com.atproto.server.getServiceAuth?aud=did:web:pds2.example.com&lxm=com.atproto.server.createAccount", appAccess);
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "InvalidRequest");
        await (await _client.GetAsync("com.atproto.server.getServiceAuth?aud=did:web:api.example.com&lxm=app.bsky.feed.getTimeline", appAccess)).ReadOkJsonAsync();
    }

    [Fact]
    public async Task GetServiceAuth_Unauthenticated_401()
    {
        var response = await _client.GetAsync("com.atproto.server.getServiceAuth?aud=did:web:api.example.com", null);
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.Unauthorized, "AuthenticationRequired");
    }

    [Fact]
    public async Task ReserveSigningKey_SameDidTwice_SameKeyAndStoredEncrypted()
    {
        var did = "did:web:reserve-" + Guid.NewGuid().ToString("N")[..8] + ".example.com";
        var first = await (await _client.PostAsync("com.atproto.server.reserveSigningKey", new { did }, null)).ReadOkJsonAsync();
        var second = await (await _client.PostAsync("com.atproto.server.reserveSigningKey", new { did }, null)).ReadOkJsonAsync();
        var key = first.GetProperty("signingKey").GetString()!;
        Assert.StartsWith("did:key:z", key, StringComparison.Ordinal);
        Assert.Equal(key, second.GetProperty("signingKey").GetString());

        var reserved = await factory.WithScopeAsync(sp => sp.GetRequiredService<IRepoKeyStore>().GetReservedAsync(did));
        Assert.Equal(key, reserved!.DidKey());
    }

    [Fact]
    public async Task ReserveSigningKey_NoDid_NewKeyEachTime()
    {
        var first = await (await _client.PostAsync("com.atproto.server.reserveSigningKey", new { }, null)).ReadOkJsonAsync();
        var second = await (await _client.PostAsync("com.atproto.server.reserveSigningKey", new { }, null)).ReadOkJsonAsync();
        Assert.NotEqual(first.GetProperty("signingKey").GetString(), second.GetProperty("signingKey").GetString());
    }
}
