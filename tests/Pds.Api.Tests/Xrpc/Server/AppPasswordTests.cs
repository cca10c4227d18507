using System.Net;
using System.Net.Http.Json;
using Pds.Domain.Auth;

namespace Pds.Api.Tests.Xrpc.Server;

/// <summary>createAppPassword, listAppPasswords, revokeAppPassword and logging in with one.</summary>
public sealed class AppPasswordTests(PdsApiFactory factory) : IClassFixture<PdsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private async Task<string> CreateAsync(TestAccount account, string name, bool privileged = false)
    {
        var body = await (await _client.PostAsync("com.atproto.server.createAppPassword", new { name, privileged }, account.AccessJwt)).ReadOkJsonAsync();
        Assert.Equal(name, body.GetProperty("name").GetString());
        var password = body.GetProperty("password").GetString()!;
        Assert.True(AppPasswords.IsFormatted(password));
        return password;
    }

    [Fact]
    public async Task AppPassword_LoginGivesAppPassScopeAndListHidesSecret()
    {
        var account = await _client.CreateAccountAsync();
        var password = await CreateAsync(account, "my client");

        var session = await (await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createSession", new { identifier = account.Handle, password })).ReadOkJsonAsync();
        Assert.Equal("com.atproto.appPass", Jwt.Payload(session.GetProperty("accessJwt").GetString()!).GetProperty("scope").GetString());

        var list = await (await _client.GetAsync("com.atproto.server.listAppPasswords", account.AccessJwt)).ReadOkJsonAsync();
        var entry = Assert.Single(list.GetProperty("passwords").EnumerateArray());
        Assert.Equal("my client", entry.GetProperty("name").GetString());
        Assert.False(entry.TryGetProperty("password", out _));
        Assert.DoesNotContain(password, list.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppPassword_Privileged_LoginGivesPrivilegedScope()
    {
        var account = await _client.CreateAccountAsync();
        var password = await CreateAsync(account, "dm client", privileged: true);
        var session = await (await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createSession", new { identifier = account.Did, password })).ReadOkJsonAsync();
        Assert.Equal("com.atproto.appPassPrivileged", Jwt.Payload(session.GetProperty("accessJwt").GetString()!).GetProperty("scope").GetString());
    }

    [Fact]
    public async Task AppPasswordSession_CannotManageAppPasswords_400InvalidToken()
    {
        var account = await _client.CreateAccountAsync();
        var password = await CreateAsync(account, "limited");
        var session = await (await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createSession", new { identifier = account.Handle, password })).ReadOkJsonAsync();
        var access = session.GetProperty("accessJwt").GetString();

        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.PostAsync("com.atproto.server.createAppPassword", new { name = "escalate" }, access), HttpStatusCode.BadRequest, "InvalidToken");
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.GetAsync("com.atproto.server.listAppPasswords", access), HttpStatusCode.BadRequest, "InvalidToken");
        // Ordinary methods still accept it.
        await (await _client.GetAsync("com.atproto.server.getSession", access)).ReadOkJsonAsync();
    }

    [Fact]
    public async Task RevokeAppPassword_EndsItsSessionsAndLogins()
    {
        var account = await _client.CreateAccountAsync();
        var password = await CreateAsync(account, "to revoke");
        var session = await (await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createSession", new { identifier = account.Handle, password })).ReadOkJsonAsync();

        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("com.atproto.server.revokeAppPassword", new { name = "to revoke" }, account.AccessJwt)).StatusCode);

        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.PostAsync("com.atproto.server.refreshSession", null, session.GetProperty("refreshJwt").GetString()),
            HttpStatusCode.BadRequest,
            "ExpiredToken");
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createSession", new { identifier = account.Handle, password }),
            HttpStatusCode.Unauthorized,
            "AuthenticationRequired");
        // The account's own session is untouched.
        await (await _client.PostAsync("com.atproto.server.refreshSession", null, account.RefreshJwt)).ReadOkJsonAsync();
    }

    [Fact]
    public async Task CreateAppPassword_DuplicateName_400()
    {
        var account = await _client.CreateAccountAsync();
        await CreateAsync(account, "twice");
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.PostAsync("com.atproto.server.createAppPassword", new { name = "twice" }, account.AccessJwt), HttpStatusCode.BadRequest, "InvalidRequest");
    }

    [Fact]
    public async Task AppPassword_OfOtherAccount_DoesNotLogIn()
    {
        var alice = await _client.CreateAccountAsync();
        var bob = await _client.CreateAccountAsync();
        var password = await CreateAsync(alice, "alice only");
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createSession", new { identifier = bob.Handle, password }),
            HttpStatusCode.Unauthorized,
            "AuthenticationRequired");
    }
}
