using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Domain.Data;
using Pds.Domain.Events;
using Pds.Infrastructure.Persistence;

namespace Pds.Api.Tests.Xrpc.Server;

/// <summary>Account status, deletion, password reset, email confirmation and change, invite codes.</summary>
public sealed class AccountLifecycleTests(PdsApiFactory factory) : IClassFixture<PdsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private async Task<List<(string Type, LexMap Payload)>> EventsForAsync(string did)
    {
        var events = await factory.WithScopeAsync(sp => sp.GetRequiredService<ISequencer>().ReadAfterAsync(0, 100_000));
        return events.Where(e => e.Did == did).Select(e => (e.EventType, DagCbor.DecodeMap(e.Event))).ToList();
    }

    [Fact]
    public async Task CheckAccountStatus_NewAccount_ActivatedValidDidWithRepoCounts()
    {
        var account = await _client.CreateAccountAsync();
        var body = await (await _client.GetAsync("com.atproto.server.checkAccountStatus", account.AccessJwt)).ReadOkJsonAsync();
        Assert.True(body.GetProperty("activated").GetBoolean());
        Assert.True(body.GetProperty("validDid").GetBoolean());
        Assert.Equal(0, body.GetProperty("indexedRecords").GetInt64());
        Assert.True(body.GetProperty("repoBlocks").GetInt64() >= 2);
        var latest = await (await _client.GetAsync($"com.atproto.sync.getLatestCommit?did={account.Did}", null)).ReadOkJsonAsync();
        Assert.Equal(latest.GetProperty("cid").GetString(), body.GetProperty("repoCommit").GetString());
    }

    [Fact]
    public async Task DeactivateThenActivate_StatusEventsAndWritesRefusedWhileDeactivated()
    {
        var account = await _client.CreateAccountAsync();
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("com.atproto.server.deactivateAccount", new { }, account.AccessJwt)).StatusCode);

        var session = await (await _client.GetAsync("com.atproto.server.getSession", account.AccessJwt)).ReadOkJsonAsync();
        Assert.False(session.GetProperty("active").GetBoolean());
        Assert.Equal("deactivated", session.GetProperty("status").GetString());
        var write = await _client.PostAsync("com.atproto.repo.createRecord", new { repo = account.Did, collection = "app.bsky.feed.post", record = new Dictionary<string, object> { ["$type"] = "app.bsky.feed.post", ["text"] = "x", ["createdAt"] = "2026-11-24T00:00:00Z" } }, account.AccessJwt);
        await XrpcPipelineTests.AssertXrpcErrorAsync(write, HttpStatusCode.Unauthorized, "AccountDeactivated");
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.GetAsync($"/xrpc/com.atproto.sync.getRepo?did={account.Did}"), HttpStatusCode.BadRequest, "RepoDeactivated");

        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("com.atproto.server.activateAccount", null, account.AccessJwt)).StatusCode);
        var events = await EventsForAsync(account.Did);
        var tail = events.Skip(4).Select(e => e.Type).ToList();
        Assert.Equal(["account", "account", "identity", "sync"], tail);
        Assert.False(events[4].Payload["active"] is LexBoolean { Value: true });
        Assert.True(events[5].Payload["active"] is LexBoolean { Value: true });
        await (await _client.GetAsync($"com.atproto.sync.getLatestCommit?did={account.Did}", null)).ReadOkJsonAsync();
    }

    [Fact]
    public async Task DeleteAccount_WithEmailedCodeAndPassword_RemovesEverythingAndAnnouncesDeletion()
    {
        var account = await _client.CreateAccountAsync();
        await (await _client.PostAsync("com.atproto.repo.createRecord", new { repo = account.Did, collection = "app.bsky.feed.post", record = new Dictionary<string, object> { ["$type"] = "app.bsky.feed.post", ["text"] = "bye", ["createdAt"] = "2026-12-06T00:00:00.000Z" } }, account.AccessJwt)).ReadOkJsonAsync();
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("com.atproto.server.requestAccountDelete", null, account.AccessJwt)).StatusCode);
        var token = factory.LatestMailToken(account.Email, "deletion");
        Assert.False(string.IsNullOrEmpty(token));

        var wrongPassword = await _client.PostAsync("com.atproto.server.deleteAccount", new { did = account.Did, password = "nope", token }, null);
        await XrpcPipelineTests.AssertXrpcErrorAsync(wrongPassword, HttpStatusCode.Unauthorized, "AuthenticationRequired");
        var wrongToken = await _client.PostAsync("com.atproto.server.deleteAccount", new { did = account.Did, password = account.Password, token = "AAAAA-AAAAA" }, null);
        await XrpcPipelineTests.AssertXrpcErrorAsync(wrongToken, HttpStatusCode.BadRequest, "InvalidToken");

        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("com.atproto.server.deleteAccount", new { did = account.Did, password = account.Password, token }, null)).StatusCode);

        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.GetAsync($"/xrpc/com.atproto.sync.getLatestCommit?did={account.Did}"), HttpStatusCode.BadRequest, "RepoNotFound");
        var counts = await factory.WithScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<PdsDbContext>();
            return (await db.RepoBlocks.CountAsync(b => b.Did == account.Did), await db.Records.CountAsync(r => r.Did == account.Did), await db.ActorSigningKeys.CountAsync(k => k.Did == account.Did), await db.RefreshTokens.CountAsync(t => t.Did == account.Did));
        });
        Assert.Equal((0, 0, 0, 0), counts);
        var events = await EventsForAsync(account.Did);
        var only = Assert.Single(events);
        Assert.Equal("account", only.Type);
        Assert.Equal("deleted", only.Payload.GetString("status"));
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createSession", new { identifier = account.Handle, password = account.Password }), HttpStatusCode.Unauthorized, "AuthenticationRequired");
    }

    [Fact]
    public async Task DeleteAccount_ExpiredCode_400ExpiredToken()
    {
        var account = await _client.CreateAccountAsync();
        await _client.PostAsync("com.atproto.server.requestAccountDelete", null, account.AccessJwt);
        var token = factory.LatestMailToken(account.Email, "deletion");
        await factory.WithScopeAsync(sp => sp.GetRequiredService<PdsDbContext>().EmailTokens
            .Where(t => t.Did == account.Did)
            .ExecuteUpdateAsync(u => u.SetProperty(t => t.RequestedAt, DateTime.UtcNow.AddHours(-1))));

        var response = await _client.PostAsync("com.atproto.server.deleteAccount", new { did = account.Did, password = account.Password, token }, null);
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "ExpiredToken");
        await (await _client.GetAsync($"com.atproto.sync.getLatestCommit?did={account.Did}", null)).ReadOkJsonAsync();
    }

    [Fact]
    public async Task ResetPassword_CodeSetsPasswordAndEndsSessions()
    {
        var account = await _client.CreateAccountAsync();
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("com.atproto.server.requestPasswordReset", new { email = account.Email.ToUpperInvariant() }, null)).StatusCode);
        var token = factory.LatestMailToken(account.Email, "password");

        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("com.atproto.server.resetPassword", new { token, password = "brand-new-password" }, null)).StatusCode);

        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createSession", new { identifier = account.Handle, password = account.Password }), HttpStatusCode.Unauthorized, "AuthenticationRequired");
        await (await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createSession", new { identifier = account.Handle, password = "brand-new-password" })).ReadOkJsonAsync();
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.PostAsync("com.atproto.server.refreshSession", null, account.RefreshJwt), HttpStatusCode.BadRequest, "ExpiredToken");
        // Single use.
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.PostAsync("com.atproto.server.resetPassword", new { token, password = "again-another" }, null), HttpStatusCode.BadRequest, "InvalidToken");
    }

    [Fact]
    public async Task RequestPasswordReset_UnknownEmail_SucceedsWithoutMail()
    {
        var email = $"nobody-{Guid.NewGuid():N}@example.com";
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("com.atproto.server.requestPasswordReset", new { email }, null)).StatusCode);
        Assert.Null(factory.LatestMailToken(email));
    }

    [Fact]
    public async Task ConfirmEmail_WithCode_MarksConfirmed_WrongEmailRefused()
    {
        var account = await _client.CreateAccountAsync();
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("com.atproto.server.requestEmailConfirmation", null, account.AccessJwt)).StatusCode);
        var token = factory.LatestMailToken(account.Email, "confirm your email");

        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.PostAsync("com.atproto.server.confirmEmail", new { email = "other@example.com", token }, account.AccessJwt), HttpStatusCode.BadRequest, "InvalidEmail");
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("com.atproto.server.confirmEmail", new { email = account.Email.ToUpperInvariant(), token }, account.AccessJwt)).StatusCode);
        var session = await (await _client.GetAsync("com.atproto.server.getSession", account.AccessJwt)).ReadOkJsonAsync();
        Assert.True(session.GetProperty("emailConfirmed").GetBoolean());
    }

    [Fact]
    public async Task UpdateEmail_UnconfirmedNeedsNoToken_ConfirmedNeedsOne()
    {
        var account = await _client.CreateAccountAsync();
        var first = await (await _client.PostAsync("com.atproto.server.requestEmailUpdate", null, account.AccessJwt)).ReadOkJsonAsync();
        Assert.False(first.GetProperty("tokenRequired").GetBoolean());
        var newEmail = $"new-{Guid.NewGuid():N}@example.com";
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("com.atproto.server.updateEmail", new { email = newEmail }, account.AccessJwt)).StatusCode);

        await _client.PostAsync("com.atproto.server.requestEmailConfirmation", null, account.AccessJwt);
        await _client.PostAsync("com.atproto.server.confirmEmail", new { email = newEmail, token = factory.LatestMailToken(newEmail, "confirm your email") }, account.AccessJwt);

        var second = await (await _client.PostAsync("com.atproto.server.requestEmailUpdate", null, account.AccessJwt)).ReadOkJsonAsync();
        Assert.True(second.GetProperty("tokenRequired").GetBoolean());
        var third = $"third-{Guid.NewGuid():N}@example.com";
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.PostAsync("com.atproto.server.updateEmail", new { email = third }, account.AccessJwt), HttpStatusCode.BadRequest, "TokenRequired");
        var token = factory.LatestMailToken(newEmail, "change of email");
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("com.atproto.server.updateEmail", new { email = third, token }, account.AccessJwt)).StatusCode);

        var session = await (await _client.GetAsync("com.atproto.server.getSession", account.AccessJwt)).ReadOkJsonAsync();
        Assert.Equal(third, session.GetProperty("email").GetString());
        Assert.False(session.GetProperty("emailConfirmed").GetBoolean());
    }

    [Fact]
    public async Task UpdateEmail_InvalidatesCodesMailedToTheOldAddress()
    {
        var account = await _client.CreateAccountAsync();
        await _client.PostAsync("com.atproto.server.requestPasswordReset", new { email = account.Email }, null);
        var resetToken = factory.LatestMailToken(account.Email, "password");
        Assert.NotNull(resetToken);

        var newEmail = $"moved-{Guid.NewGuid():N}@example.com";
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("com.atproto.server.updateEmail", new { email = newEmail }, account.AccessJwt)).StatusCode);

        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.PostAsync("com.atproto.server.resetPassword", new { token = resetToken, password = "stolen-password" }, null), HttpStatusCode.BadRequest, "InvalidToken");
        await (await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createSession", new { identifier = account.Handle, password = account.Password })).ReadOkJsonAsync();
    }

    [Fact]
    public async Task UpdateEmail_TakenAddress_400()
    {
        var alice = await _client.CreateAccountAsync();
        var bob = await _client.CreateAccountAsync();
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.PostAsync("com.atproto.server.updateEmail", new { email = alice.Email }, bob.AccessJwt), HttpStatusCode.BadRequest, "InvalidRequest");
    }

    [Fact]
    public async Task CreateInviteCodes_AdminOnly_CodesListedForAccount()
    {
        var account = await _client.CreateAccountAsync();
        var admin = factory.Services.GetRequiredService<PdsOptions>().Secrets.AdminPassword;
        var request = new HttpRequestMessage(HttpMethod.Post, "/xrpc/com.atproto.server.createInviteCodes")
        {
            Content = JsonContent.Create(new { useCount = 2, codeCount = 3, forAccounts = new[] { account.Did } }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + admin)));
        var created = await (await _client.SendAsync(request)).ReadOkJsonAsync();
        var codes = created.GetProperty("codes")[0].GetProperty("codes").EnumerateArray().Select(c => c.GetString()!).ToList();
        Assert.Equal(3, codes.Count);
        Assert.All(codes, c => Assert.Matches("^localhost-[a-z2-7]{5}-[a-z2-7]{5}$", c));

        var listed = await (await _client.GetAsync("com.atproto.server.getAccountInviteCodes", account.AccessJwt)).ReadOkJsonAsync();
        Assert.Equal(codes.Order(), listed.GetProperty("codes").EnumerateArray().Select(c => c.GetProperty("code").GetString()).Order());
        Assert.All(listed.GetProperty("codes").EnumerateArray(), c => Assert.Equal(2, c.GetProperty("available").GetInt32()));

        var wrong = new HttpRequestMessage(HttpMethod.Post, "/xrpc/com.atproto.server.createInviteCode") { Content = JsonContent.Create(new { useCount = 1 }) };
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:wrong")));
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.SendAsync(wrong), HttpStatusCode.Unauthorized, "AuthenticationRequired");
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.PostAsync("com.atproto.server.createInviteCode", new { useCount = 1 }, account.AccessJwt), HttpStatusCode.Unauthorized, "AuthenticationRequired");
    }
}
