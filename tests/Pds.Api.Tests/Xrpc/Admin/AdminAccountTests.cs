using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pds.Application.Common.Abstractions;
using Pds.Domain.Data;

namespace Pds.Api.Tests.Xrpc.Admin;

/// <summary>com.atproto.admin.*: account views, handle, email, password, deletion, invites, email, and admin auth.</summary>
public sealed class AdminAccountTests(PdsApiFactory factory) : IClassFixture<PdsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    public static TheoryData<string, string> AdminMethods => new()
    {
        { "GET", "com.atproto.admin.getAccountInfo?did=did:plc:aaaaaaaaaaaaaaaaaaaaaaaa" },
        { "GET", "com.atproto.admin.getAccountInfos?dids=did:plc:aaaaaaaaaaaaaaaaaaaaaaaa" },
        { "GET", "com.atproto.admin.searchAccounts" },
        { "GET", "com.atproto.admin.getSubjectStatus?did=did:plc:aaaaaaaaaaaaaaaaaaaaaaaa" },
        { "GET", "com.atproto.admin.getInviteCodes" },
        { "GET", "org.pds.admin.listReports" },
        { "POST", "com.atproto.admin.updateSubjectStatus" },
        { "POST", "com.atproto.admin.updateAccountHandle" },
        { "POST", "com.atproto.admin.updateAccountEmail" },
        { "POST", "com.atproto.admin.updateAccountPassword" },
        { "POST", "com.atproto.admin.deleteAccount" },
        { "POST", "com.atproto.admin.disableAccountInvites" },
        { "POST", "com.atproto.admin.enableAccountInvites" },
        { "POST", "com.atproto.admin.disableInviteCodes" },
        { "POST", "com.atproto.admin.sendEmail" },
    };

    private HttpRequestMessage Request(string verb, string path, AuthenticationHeaderValue? auth)
    {
        var request = new HttpRequestMessage(new HttpMethod(verb), "/xrpc/" + path);
        if (verb == "POST")
        {
            request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        }

        request.Headers.Authorization = auth;
        return request;
    }

    [Theory]
    [MemberData(nameof(AdminMethods))]
    public async Task AdminMethod_NoAuth_401AuthenticationRequired(string verb, string path)
    {
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.SendAsync(Request(verb, path, null)), HttpStatusCode.Unauthorized, "AuthenticationRequired");
    }

    [Theory]
    [MemberData(nameof(AdminMethods))]
    public async Task AdminMethod_WrongPasswordOrUserOrUserSession_401AuthenticationRequired(string verb, string path)
    {
        var user = await _client.CreateAccountAsync();
        var password = factory.AdminPassword();
        foreach (var auth in new[]
        {
            AdminClient.Basic("admin", password + "x"),
            AdminClient.Basic("root", password),
            new AuthenticationHeaderValue("Basic", "not base64!"),
            new AuthenticationHeaderValue("Bearer", user.AccessJwt),
        })
        {
            await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.SendAsync(Request(verb, path, auth)), HttpStatusCode.Unauthorized, "AuthenticationRequired");
        }
    }

    [Fact]
    public async Task GetAccountInfo_Account_ViewWithEmailInvitesAndStatus()
    {
        var account = await _client.CreateAccountAsync();
        var info = await (await _client.AdminGetAsync(factory, $"com.atproto.admin.getAccountInfo?did={account.Did}")).ReadOkJsonAsync();
        Assert.Equal(account.Did, info.GetProperty("did").GetString());
        Assert.Equal(account.Handle, info.GetProperty("handle").GetString());
        Assert.Equal(account.Email, info.GetProperty("email").GetString());
        Assert.True(Pds.Domain.Syntax.Datetime.TryParse(info.GetProperty("indexedAt").GetString(), out _));
        Assert.False(info.GetProperty("invitesDisabled").GetBoolean());
        Assert.Equal(0, info.GetProperty("invites").GetArrayLength());
        Assert.False(info.TryGetProperty("deactivatedAt", out _));
        Assert.False(info.TryGetProperty("emailConfirmedAt", out _));

        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.AdminGetAsync(factory, "com.atproto.admin.getAccountInfo?did=did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"), HttpStatusCode.BadRequest, "NotFound");
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.AdminGetAsync(factory, "com.atproto.admin.getAccountInfo?did=nope"), HttpStatusCode.BadRequest, "InvalidRequest");
    }

    [Fact]
    public async Task GetAccountInfos_SeveralDids_KnownOnesInOrder()
    {
        var a = await _client.CreateAccountAsync();
        var b = await _client.CreateAccountAsync();
        var body = await (await _client.AdminGetAsync(factory, $"com.atproto.admin.getAccountInfos?dids={b.Did}&dids=did:plc:aaaaaaaaaaaaaaaaaaaaaaaa&dids={a.Did}")).ReadOkJsonAsync();
        Assert.Equal([b.Did, a.Did], body.GetProperty("infos").EnumerateArray().Select(i => i.GetProperty("did").GetString()));
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.AdminGetAsync(factory, "com.atproto.admin.getAccountInfos"), HttpStatusCode.BadRequest, "InvalidRequest");
    }

    [Fact]
    public async Task SearchAccounts_ByEmailFragment_MatchesCaseInsensitivelyAndPages()
    {
        var tag = "srch" + Guid.NewGuid().ToString("N")[..8];
        var created = new List<TestAccount>();
        for (var i = 0; i < 3; i++)
        {
            created.Add(await _client.CreateAccountAsync(email: $"{tag}{i}@example.com"));
        }

        await _client.CreateAccountAsync();
        var first = await (await _client.AdminGetAsync(factory, $"com.atproto.admin.searchAccounts?email={tag.ToUpperInvariant()}&limit=2")).ReadOkJsonAsync();
        var cursor = first.GetProperty("cursor").GetString();
        var second = await (await _client.AdminGetAsync(factory, $"com.atproto.admin.searchAccounts?email={tag}&limit=2&cursor={cursor}")).ReadOkJsonAsync();
        var found = first.GetProperty("accounts").EnumerateArray().Concat(second.GetProperty("accounts").EnumerateArray())
            .Select(a => a.GetProperty("did").GetString()).ToList();
        Assert.Equal(created.Select(a => a.Did).Order(StringComparer.Ordinal), found);
        Assert.False(second.TryGetProperty("cursor", out _));
    }

    [Fact]
    public async Task UpdateAccountHandle_NewHandle_StoredAndAnnouncedAsIdentity()
    {
        var account = await _client.CreateAccountAsync();
        var other = await _client.CreateAccountAsync();
        var handle = XrpcClient.NewHandle("renamed");
        await _client.AdminPostAsync(factory, "com.atproto.admin.updateAccountHandle", new { did = account.Did, handle }).AssertOkAsync();

        var info = await (await _client.AdminGetAsync(factory, $"com.atproto.admin.getAccountInfo?did={account.Did}")).ReadOkJsonAsync();
        Assert.Equal(handle, info.GetProperty("handle").GetString());
        var resolved = await (await _client.GetAsync($"com.atproto.identity.resolveHandle?handle={handle}", null)).ReadOkJsonAsync();
        Assert.Equal(account.Did, resolved.GetProperty("did").GetString());
        var events = await factory.WithScopeAsync(sp => sp.GetRequiredService<ISequencer>().ReadAfterAsync(0, 100_000));
        var identity = events.Last(e => e.Did == account.Did && e.EventType == "identity");
        Assert.Equal(handle, DagCbor.DecodeMap(identity.Event).GetString("handle"));

        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.AdminPostAsync(factory, "com.atproto.admin.updateAccountHandle", new { did = other.Did, handle }), HttpStatusCode.BadRequest, "HandleNotAvailable");
    }

    [Fact]
    public async Task UpdateAccountEmail_ByHandle_NewEmailUnconfirmed()
    {
        var account = await _client.CreateAccountAsync();
        var email = "changed-" + Guid.NewGuid().ToString("N")[..8] + "@example.com";
        await _client.AdminPostAsync(factory, "com.atproto.admin.updateAccountEmail", new { account = account.Handle, email }).AssertOkAsync();
        var session = await (await _client.GetAsync("com.atproto.server.getSession", account.AccessJwt)).ReadOkJsonAsync();
        Assert.Equal(email, session.GetProperty("email").GetString());

        var other = await _client.CreateAccountAsync();
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.AdminPostAsync(factory, "com.atproto.admin.updateAccountEmail", new { account = other.Did, email }), HttpStatusCode.BadRequest, "InvalidRequest");
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.AdminPostAsync(factory, "com.atproto.admin.updateAccountEmail", new { account = other.Did, email = "not an email" }), HttpStatusCode.BadRequest, "InvalidRequest");
    }

    [Fact]
    public async Task UpdateAccountPassword_NewPassword_OldOneAndRefreshTokensStopWorking()
    {
        var account = await _client.CreateAccountAsync();
        await _client.AdminPostAsync(factory, "com.atproto.admin.updateAccountPassword", new { did = account.Did, password = "a brand new password" }).AssertOkAsync();

        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.PostAsync("com.atproto.server.createSession", new { identifier = account.Handle, password = account.Password }, null), HttpStatusCode.Unauthorized, "AuthenticationRequired");
        await (await _client.PostAsync("com.atproto.server.createSession", new { identifier = account.Handle, password = "a brand new password" }, null)).ReadOkJsonAsync();
        var refresh = await _client.PostAsync("com.atproto.server.refreshSession", null, account.RefreshJwt);
        Assert.Equal(HttpStatusCode.BadRequest, refresh.StatusCode);
    }

    [Fact]
    public async Task DeleteAccount_Admin_AccountGoneAndDeletedEventSequenced()
    {
        var account = await _client.CreateAccountAsync();
        await _client.AdminPostAsync(factory, "com.atproto.admin.deleteAccount", new { did = account.Did }).AssertOkAsync();

        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.AdminGetAsync(factory, $"com.atproto.admin.getAccountInfo?did={account.Did}"), HttpStatusCode.BadRequest, "NotFound");
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.GetAsync($"com.atproto.sync.getLatestCommit?did={account.Did}", null), HttpStatusCode.BadRequest, "RepoNotFound");
        var events = await factory.WithScopeAsync(sp => sp.GetRequiredService<ISequencer>().ReadAfterAsync(0, 100_000));
        var last = Assert.Single(events, e => e.Did == account.Did);
        Assert.Equal("account", last.EventType);
        Assert.Equal("deleted", DagCbor.DecodeMap(last.Event).GetString("status"));
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.AdminPostAsync(factory, "com.atproto.admin.deleteAccount", new { did = account.Did }), HttpStatusCode.BadRequest, "NotFound");
    }

    [Fact]
    public async Task DisableAndEnableAccountInvites_FlagShownAndEnforced()
    {
        var account = await _client.CreateAccountAsync();
        await _client.AdminPostAsync(factory, "com.atproto.admin.disableAccountInvites", new { account = account.Did, note = "spam" }).AssertOkAsync();
        var info = await (await _client.AdminGetAsync(factory, $"com.atproto.admin.getAccountInfo?did={account.Did}")).ReadOkJsonAsync();
        Assert.True(info.GetProperty("invitesDisabled").GetBoolean());
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.GetAsync("com.atproto.server.getAccountInviteCodes", account.AccessJwt), HttpStatusCode.BadRequest, "InvalidRequest");

        await _client.AdminPostAsync(factory, "com.atproto.admin.enableAccountInvites", new { account = account.Did }).AssertOkAsync();
        info = await (await _client.AdminGetAsync(factory, $"com.atproto.admin.getAccountInfo?did={account.Did}")).ReadOkJsonAsync();
        Assert.False(info.GetProperty("invitesDisabled").GetBoolean());
        await (await _client.GetAsync("com.atproto.server.getAccountInviteCodes", account.AccessJwt)).ReadOkJsonAsync();
    }

    [Fact]
    public async Task GetInviteCodesAndDisableInviteCodes_CodesListedThenDisabled()
    {
        var account = await _client.CreateAccountAsync();
        var created = await (await _client.AdminPostAsync(factory, "com.atproto.server.createInviteCodes", new { useCount = 1, codeCount = 2, forAccounts = new[] { account.Did } })).ReadOkJsonAsync();
        var codes = created.GetProperty("codes")[0].GetProperty("codes").EnumerateArray().Select(c => c.GetString()!).ToList();
        var single = await (await _client.AdminPostAsync(factory, "com.atproto.server.createInviteCode", new { useCount = 3 })).ReadOkJsonAsync();
        var adminCode = single.GetProperty("code").GetString()!;

        var all = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await (await _client.AdminGetAsync(factory, "com.atproto.admin.getInviteCodes?limit=1" + (cursor is null ? "" : "&cursor=" + cursor))).ReadOkJsonAsync();
            all.AddRange(page.GetProperty("codes").EnumerateArray());
            cursor = page.TryGetProperty("cursor", out var c) ? c.GetString() : null;
        }
        while (cursor is not null);
        Assert.Subset(all.Select(c => c.GetProperty("code").GetString()!).ToHashSet(), codes.Append(adminCode).ToHashSet());
        Assert.Equal(adminCode, all[0].GetProperty("code").GetString());
        Assert.Equal(all.Count, all.Select(c => c.GetProperty("code").GetString()).Distinct().Count());

        await _client.AdminPostAsync(factory, "com.atproto.admin.disableInviteCodes", new { codes = new[] { adminCode }, accounts = new[] { account.Did } }).AssertOkAsync();
        var after = await (await _client.AdminGetAsync(factory, "com.atproto.admin.getInviteCodes?sort=usage&limit=500")).ReadOkJsonAsync();
        var disabled = after.GetProperty("codes").EnumerateArray().Where(c => codes.Contains(c.GetProperty("code").GetString()!) || c.GetProperty("code").GetString() == adminCode);
        Assert.All(disabled, c => Assert.True(c.GetProperty("disabled").GetBoolean()));
        Assert.Equal(3, disabled.Count());

        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.AdminPostAsync(factory, "com.atproto.admin.disableInviteCodes", new { accounts = new[] { "admin" } }), HttpStatusCode.BadRequest, "InvalidRequest");
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.AdminGetAsync(factory, "com.atproto.admin.getInviteCodes?sort=sideways"), HttpStatusCode.BadRequest, "InvalidRequest");
    }

    [Fact]
    public async Task SendEmail_Account_MailedToItsAddress()
    {
        var account = await _client.CreateAccountAsync();
        var body = await (await _client.AdminPostAsync(factory, "com.atproto.admin.sendEmail", new
        {
            recipientDid = account.Did,
            senderDid = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa",
            subject = "About your account",
            content = "Please read our community guidelines.",
            comment = "first warning",
        })).ReadOkJsonAsync();
        Assert.True(body.GetProperty("sent").GetBoolean());

        var mail = Directory.GetFiles(Path.Combine(factory.DataDirectory, "mail"), "*.eml")
            .Select(File.ReadAllText)
            .Single(t => t.Contains("To: " + account.Email, StringComparison.OrdinalIgnoreCase) && t.Contains("About your account", StringComparison.Ordinal));
        Assert.Contains("Please read our community guidelines.", mail, StringComparison.Ordinal);
        Assert.DoesNotContain("first warning", mail, StringComparison.Ordinal);

        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.AdminPostAsync(factory, "com.atproto.admin.sendEmail", new { recipientDid = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", senderDid = account.Did, content = "x" }), HttpStatusCode.BadRequest, "InvalidRequest");
    }
}
