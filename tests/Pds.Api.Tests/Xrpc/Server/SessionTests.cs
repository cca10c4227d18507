using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pds.Application.Common.Configuration;
using Pds.Domain.Auth;
using Pds.Domain.Syntax;
using Pds.Infrastructure.Persistence;

namespace Pds.Api.Tests.Xrpc.Server;

/// <summary>createSession, getSession, refreshSession, deleteSession.</summary>
public sealed class SessionTests(PdsApiFactory factory) : IClassFixture<PdsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private Task<HttpResponseMessage> LoginAsync(string identifier, string password) =>
        _client.PostAsJsonAsync("/xrpc/com.atproto.server.createSession", new { identifier, password });

    [Fact]
    public async Task CreateSession_ByHandleEmailOrDid_OpensFullAccessSession()
    {
        var account = await _client.CreateAccountAsync();
        foreach (var identifier in new[] { account.Handle, account.Handle.ToUpperInvariant(), account.Email.ToUpperInvariant(), account.Did })
        {
            var body = await (await LoginAsync(identifier, account.Password)).ReadOkJsonAsync();
            Assert.Equal(account.Did, body.GetProperty("did").GetString());
            Assert.Equal(account.Handle, body.GetProperty("handle").GetString());
            Assert.Equal(account.Email, body.GetProperty("email").GetString());
            Assert.True(body.GetProperty("active").GetBoolean());
            var access = Jwt.Payload(body.GetProperty("accessJwt").GetString()!);
            Assert.Equal("com.atproto.access", access.GetProperty("scope").GetString());
            var lifetime = access.GetProperty("exp").GetInt64() - access.GetProperty("iat").GetInt64();
            Assert.Equal(2 * 3600, lifetime);
            var refresh = Jwt.Payload(body.GetProperty("refreshJwt").GetString()!);
            Assert.Equal(90 * 24 * 3600, refresh.GetProperty("exp").GetInt64() - refresh.GetProperty("iat").GetInt64());
        }
    }

    [Fact]
    public async Task CreateSession_WrongPasswordOrUnknownAccount_401AuthenticationRequired()
    {
        var account = await _client.CreateAccountAsync();
        await XrpcPipelineTests.AssertXrpcErrorAsync(await LoginAsync(account.Handle, "wrong password"), HttpStatusCode.Unauthorized, "AuthenticationRequired");
        await XrpcPipelineTests.AssertXrpcErrorAsync(await LoginAsync("nobody-here.test", account.Password), HttpStatusCode.Unauthorized, "AuthenticationRequired");
    }

    [Fact]
    public async Task CreateSession_RefreshTokenStoredByIdOnly()
    {
        var account = await _client.CreateAccountAsync();
        var body = await (await LoginAsync(account.Handle, account.Password)).ReadOkJsonAsync();
        var refreshJwt = body.GetProperty("refreshJwt").GetString()!;
        var jti = Jwt.Payload(refreshJwt).GetProperty("jti").GetString();

        var rows = await factory.WithScopeAsync(sp => sp.GetRequiredService<PdsDbContext>().RefreshTokens.AsNoTracking().Where(t => t.Did == account.Did).ToListAsync());
        Assert.Contains(rows, r => r.Id == jti);
        Assert.DoesNotContain(rows, r => r.Id.Contains(refreshJwt, StringComparison.Ordinal) || (r.NextId ?? string.Empty).Contains('.', StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetSession_AccessToken_ReturnsAccount()
    {
        var account = await _client.CreateAccountAsync();
        var body = await (await _client.GetAsync("com.atproto.server.getSession", account.AccessJwt)).ReadOkJsonAsync();
        Assert.Equal(account.Did, body.GetProperty("did").GetString());
        Assert.Equal(account.Handle, body.GetProperty("handle").GetString());
        Assert.False(body.GetProperty("emailConfirmed").GetBoolean());
    }

    [Fact]
    public async Task GetSession_NoToken_401AuthenticationRequired()
    {
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.GetAsync("com.atproto.server.getSession", null), HttpStatusCode.Unauthorized, "AuthenticationRequired");
    }

    [Fact]
    public async Task GetSession_RefreshTokenOrGarbage_400InvalidToken()
    {
        var account = await _client.CreateAccountAsync();
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.GetAsync("com.atproto.server.getSession", account.RefreshJwt), HttpStatusCode.BadRequest, "InvalidToken");
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.GetAsync("com.atproto.server.getSession", "not.a.jwt"), HttpStatusCode.BadRequest, "InvalidToken");
        var tampered = account.AccessJwt[..^4] + (account.AccessJwt.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.GetAsync("com.atproto.server.getSession", tampered), HttpStatusCode.BadRequest, "InvalidToken");
    }

    [Fact]
    public async Task GetSession_ExpiredAccessToken_400ExpiredToken()
    {
        var account = await _client.CreateAccountAsync();
        var options = factory.Services.GetRequiredService<PdsOptions>();
        var past = new ShiftedClock(TimeSpan.FromHours(-3));
        var expired = new SessionTokens(options.Secrets.JwtSecret, options.Service.Did, past).CreateAccessToken(Did.Parse(account.Did)).Jwt;

        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.GetAsync("com.atproto.server.getSession", expired), HttpStatusCode.BadRequest, "ExpiredToken");
    }

    [Fact]
    public async Task GetSession_TokenSignedWithOtherSecret_400InvalidToken()
    {
        var account = await _client.CreateAccountAsync();
        var options = factory.Services.GetRequiredService<PdsOptions>();
        var forged = new SessionTokens("another-secret-of-enough-length", options.Service.Did).CreateAccessToken(Did.Parse(account.Did)).Jwt;
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.GetAsync("com.atproto.server.getSession", forged), HttpStatusCode.BadRequest, "InvalidToken");
    }

    [Fact]
    public async Task RefreshSession_RotatesAndNewTokensWork()
    {
        var account = await _client.CreateAccountAsync();
        var body = await (await _client.PostAsync("com.atproto.server.refreshSession", null, account.RefreshJwt)).ReadOkJsonAsync();
        var access = body.GetProperty("accessJwt").GetString()!;
        var refresh = body.GetProperty("refreshJwt").GetString()!;
        Assert.NotEqual(Jwt.Payload(account.RefreshJwt).GetProperty("jti").GetString(), Jwt.Payload(refresh).GetProperty("jti").GetString());
        Assert.Equal(account.Did, body.GetProperty("did").GetString());

        await (await _client.GetAsync("com.atproto.server.getSession", access)).ReadOkJsonAsync();
        await (await _client.PostAsync("com.atproto.server.refreshSession", null, refresh)).ReadOkJsonAsync();
    }

    [Fact]
    public async Task RefreshSession_ReuseWithinGrace_ReturnsSameSuccessor()
    {
        var account = await _client.CreateAccountAsync();
        var first = await (await _client.PostAsync("com.atproto.server.refreshSession", null, account.RefreshJwt)).ReadOkJsonAsync();
        var second = await (await _client.PostAsync("com.atproto.server.refreshSession", null, account.RefreshJwt)).ReadOkJsonAsync();

        Assert.Equal(
            Jwt.Payload(first.GetProperty("refreshJwt").GetString()!).GetProperty("jti").GetString(),
            Jwt.Payload(second.GetProperty("refreshJwt").GetString()!).GetProperty("jti").GetString());
    }

    [Fact]
    public async Task RefreshSession_ReuseAfterGrace_RevokesWholeFamily()
    {
        var account = await _client.CreateAccountAsync();
        var next = await (await _client.PostAsync("com.atproto.server.refreshSession", null, account.RefreshJwt)).ReadOkJsonAsync();
        var nextRefresh = next.GetProperty("refreshJwt").GetString()!;
        var oldId = Jwt.Payload(account.RefreshJwt).GetProperty("jti").GetString();

        // The grace window of the rotated token ends.
        await factory.WithScopeAsync(sp => sp.GetRequiredService<PdsDbContext>().RefreshTokens
            .Where(t => t.Id == oldId)
            .ExecuteUpdateAsync(u => u.SetProperty(t => t.ExpiresAt, DateTime.UtcNow.AddMinutes(-1))));

        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.PostAsync("com.atproto.server.refreshSession", null, account.RefreshJwt), HttpStatusCode.BadRequest, "ExpiredToken");
        // The successor, possibly held by whoever replayed the old token, is gone too.
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.PostAsync("com.atproto.server.refreshSession", null, nextRefresh), HttpStatusCode.BadRequest, "ExpiredToken");
    }

    [Fact]
    public async Task RefreshSession_WithAccessToken_400InvalidToken()
    {
        var account = await _client.CreateAccountAsync();
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.PostAsync("com.atproto.server.refreshSession", null, account.AccessJwt), HttpStatusCode.BadRequest, "InvalidToken");
    }

    [Fact]
    public async Task DeleteSession_RevokesRefreshToken()
    {
        var account = await _client.CreateAccountAsync();
        var response = await _client.PostAsync("com.atproto.server.deleteSession", null, account.RefreshJwt);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.PostAsync("com.atproto.server.refreshSession", null, account.RefreshJwt), HttpStatusCode.BadRequest, "ExpiredToken");
    }

    [Fact]
    public async Task DeleteSession_WithAccessToken_400InvalidToken()
    {
        var account = await _client.CreateAccountAsync();
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.PostAsync("com.atproto.server.deleteSession", null, account.AccessJwt), HttpStatusCode.BadRequest, "InvalidToken");
    }

    [Fact]
    public async Task ConcurrentRefreshes_AllGetTheSameSuccessor()
    {
        var account = await _client.CreateAccountAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => _client.PostAsync("com.atproto.server.refreshSession", null, account.RefreshJwt)));
        var ids = new HashSet<string?>();
        foreach (var response in responses)
        {
            ids.Add(Jwt.Payload((await response.ReadOkJsonAsync()).GetProperty("refreshJwt").GetString()!).GetProperty("jti").GetString());
        }

        Assert.Single(ids);
    }

    private sealed class ShiftedClock(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + offset;
    }
}
