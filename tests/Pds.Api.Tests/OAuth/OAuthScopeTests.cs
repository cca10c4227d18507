using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Mvc.Testing;
using Pds.Api.Tests.Xrpc;

namespace Pds.Api.Tests.OAuth;

/// <summary>Granular permission scopes enforced on the methods an OAuth token reaches.</summary>
public sealed class OAuthScopeTests(PdsApiFactory factory) : IClassFixture<PdsApiFactory>
{
    private const string Scope = "atproto repo:app.bsky.feed.post?action=create blob:image/*";

    private static Dictionary<string, object> Record(string type, Dictionary<string, object> fields)
    {
        fields["$type"] = type;
        fields["createdAt"] = "2026-11-24T00:00:00.000Z";
        return fields;
    }

    [Fact]
    public async Task GranularToken_WritesInsideItsScope_RefusedOutsideWith403NamingTheScope()
    {
        var account = await factory.CreateClient().CreateAccountAsync();
        var browser = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        using var client = new OAuthTestClient(browser, OAuthTestClient.LoopbackClientId(Scope), "http://127.0.0.1/callback");
        var verifier = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var code = OAuthTestClient.Query(await client.AuthorizeAsync(await client.PushAsync(Scope, verifier), account.Handle, account.Password))["code"];
        var (_, tokens, _) = await client.RedeemAsync(code, verifier);
        Assert.Equal(Scope, tokens.GetProperty("scope").GetString());
        var access = tokens.GetProperty("access_token").GetString()!;

        var post = await (await client.XrpcAsync(HttpMethod.Post, "com.atproto.repo.createRecord", access, new { repo = account.Did, collection = "app.bsky.feed.post", record = Record("app.bsky.feed.post", new() { ["text"] = "allowed" }) })).ReadOkJsonAsync();
        var rkey = post.GetProperty("uri").GetString()!.Split('/')[^1];

        var like = await client.XrpcAsync(HttpMethod.Post, "com.atproto.repo.createRecord", access, new
        {
            repo = account.Did,
            collection = "app.bsky.feed.like",
            record = Record("app.bsky.feed.like", new() { ["subject"] = new { uri = post.GetProperty("uri").GetString(), cid = post.GetProperty("cid").GetString() } }),
        });
        var body = await XrpcPipelineTests.AssertXrpcErrorAsync(like, HttpStatusCode.Forbidden, "InsufficientScope");
        Assert.Contains("repo:app.bsky.feed.like?action=create", body.GetProperty("message").GetString(), StringComparison.Ordinal);

        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await client.XrpcAsync(HttpMethod.Post, "com.atproto.repo.deleteRecord", access, new { repo = account.Did, collection = "app.bsky.feed.post", rkey }),
            HttpStatusCode.Forbidden, "InsufficientScope");
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await client.XrpcAsync(HttpMethod.Post, "com.atproto.repo.putRecord", access, new { repo = account.Did, collection = "app.bsky.feed.post", rkey, record = Record("app.bsky.feed.post", new() { ["text"] = "edit" }) }),
            HttpStatusCode.Forbidden, "InsufficientScope");
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await client.XrpcAsync(HttpMethod.Post, "com.atproto.repo.applyWrites", access, new
            {
                repo = account.Did,
                writes = new object[]
                {
                    new Dictionary<string, object> { ["$type"] = "com.atproto.repo.applyWrites#create", ["collection"] = "app.bsky.feed.post", ["value"] = Record("app.bsky.feed.post", new() { ["text"] = "ok" }) },
                    new Dictionary<string, object> { ["$type"] = "com.atproto.repo.applyWrites#delete", ["collection"] = "app.bsky.feed.post", ["rkey"] = rkey },
                },
            }),
            HttpStatusCode.Forbidden, "InsufficientScope");

        // Blobs: images yes, anything else no.
        var png = new byte[64];
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(png, 0);
        Assert.Equal(HttpStatusCode.OK, (await UploadAsync(client, access, png, "image/png")).StatusCode);
        await XrpcPipelineTests.AssertXrpcErrorAsync(await UploadAsync(client, access, "plain text"u8.ToArray(), "text/plain"), HttpStatusCode.Forbidden, "InsufficientScope");

        // No email without account:email or transition:email; no service tokens without rpc.
        var session = await (await client.XrpcAsync(HttpMethod.Get, "com.atproto.server.getSession", access)).ReadOkJsonAsync();
        Assert.False(session.TryGetProperty("email", out _));
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await client.XrpcAsync(HttpMethod.Get, "com.atproto.server.getServiceAuth?aud=did:web:api.example.com&lxm=app.bsky.feed.getTimeline", access),
            HttpStatusCode.Forbidden, "InsufficientScope");

        // The repository holds exactly the one permitted post.
        var listed = await (await factory.CreateClient().GetAsync($"com.atproto.repo.listRecords?repo={account.Did}&collection=app.bsky.feed.post", null)).ReadOkJsonAsync();
        Assert.Equal(1, listed.GetProperty("records").GetArrayLength());
    }

    private static async Task<HttpResponseMessage> UploadAsync(OAuthTestClient client, string access, byte[] bytes, string type)
    {
        var http = (HttpClient)typeof(OAuthTestClient).GetField("_http", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(client)!;
        for (var attempt = 0; ; attempt++)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/xrpc/com.atproto.repo.uploadBlob") { Content = new ByteArrayContent(bytes) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(type);
            request.Headers.Authorization = new AuthenticationHeaderValue("DPoP", access);
            request.Headers.Add("DPoP", client.Proof("POST", OAuthTestClient.Issuer + "/xrpc/com.atproto.repo.uploadBlob", access));
            var response = await http.SendAsync(request);
            if (response.Headers.TryGetValues("DPoP-Nonce", out var nonce))
            {
                client.Nonce = nonce.First();
            }

            if (attempt == 0 && response.StatusCode == HttpStatusCode.Unauthorized)
            {
                continue;
            }

            return response;
        }
    }

    private async Task<(OAuthTestClient Client, TestAccount Account, string Access)> TokenAsync(string scope)
    {
        var account = await factory.CreateClient().CreateAccountAsync();
        var browser = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var client = new OAuthTestClient(browser, OAuthTestClient.LoopbackClientId(scope), "http://127.0.0.1/callback");
        var verifier = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var code = OAuthTestClient.Query(await client.AuthorizeAsync(await client.PushAsync(scope, verifier), account.Handle, account.Password))["code"];
        var (_, tokens, _) = await client.RedeemAsync(code, verifier);
        return (client, account, tokens.GetProperty("access_token").GetString()!);
    }

    [Fact]
    public async Task AccountAndIdentityManagement_NeedTheirOwnPermissions()
    {
        // transition:generic is the app-password level: no handle or email changes.
        var (generic, account, access) = await TokenAsync("atproto transition:generic");
        var newHandle = XrpcClient.NewHandle("renamed");
        var refused = await XrpcPipelineTests.AssertXrpcErrorAsync(
            await generic.XrpcAsync(HttpMethod.Post, "com.atproto.identity.updateHandle", access, new { handle = newHandle }), HttpStatusCode.Forbidden, "InsufficientScope");
        Assert.Contains("identity:handle", refused.GetProperty("message").GetString(), StringComparison.Ordinal);
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await generic.XrpcAsync(HttpMethod.Post, "com.atproto.server.requestEmailUpdate", access), HttpStatusCode.Forbidden, "InsufficientScope");
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await generic.XrpcAsync(HttpMethod.Post, "com.atproto.server.updateEmail", access, new { email = "x-" + account.Email }), HttpStatusCode.Forbidden, "InsufficientScope");

        // With the permissions, the same methods work.
        var (manager, managed, managerAccess) = await TokenAsync("atproto identity:handle account:email?action=manage");
        Assert.Equal(HttpStatusCode.OK, (await manager.XrpcAsync(HttpMethod.Post, "com.atproto.identity.updateHandle", managerAccess, new { handle = newHandle })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await manager.XrpcAsync(HttpMethod.Post, "com.atproto.server.updateEmail", managerAccess, new { email = "moved-" + managed.Email })).StatusCode);
        var session = await (await manager.XrpcAsync(HttpMethod.Get, "com.atproto.server.getSession", managerAccess)).ReadOkJsonAsync();
        Assert.Equal(newHandle, session.GetProperty("handle").GetString());
        Assert.Equal("moved-" + managed.Email, session.GetProperty("email").GetString());
        // ... but they still write nothing to the repository.
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await manager.XrpcAsync(HttpMethod.Post, "com.atproto.repo.createRecord", managerAccess, new { repo = managed.Did, collection = "app.bsky.feed.post", record = Record("app.bsky.feed.post", new() { ["text"] = "no" }) }),
            HttpStatusCode.Forbidden, "InsufficientScope");
    }

    [Fact]
    public async Task TransitionEmail_ShowsTheEmailInGetSession()
    {
        var account = await factory.CreateClient().CreateAccountAsync();
        const string scope = "atproto transition:generic transition:email";
        var browser = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        using var client = new OAuthTestClient(browser, OAuthTestClient.LoopbackClientId(scope), "http://127.0.0.1/callback");
        var verifier = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var code = OAuthTestClient.Query(await client.AuthorizeAsync(await client.PushAsync(scope, verifier), account.Handle, account.Password))["code"];
        var (_, tokens, _) = await client.RedeemAsync(code, verifier);
        var session = await (await client.XrpcAsync(HttpMethod.Get, "com.atproto.server.getSession", tokens.GetProperty("access_token").GetString()!)).ReadOkJsonAsync();
        Assert.Equal(account.Email, session.GetProperty("email").GetString());
    }
}
