using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Pds.Api.Tests.Xrpc;

namespace Pds.Api.Tests.OAuth;

/// <summary>The OAuth authorization server and DPoP-bound resource access, end to end through the real server.</summary>
public sealed class OAuthFlowTests(PdsApiFactory factory) : IClassFixture<PdsApiFactory>
{
    private const string Redirect = "http://127.0.0.1/callback";

    private static object Post(string did, string text) => new
    {
        repo = did,
        collection = "app.bsky.feed.post",
        record = new Dictionary<string, object> { ["$type"] = "app.bsky.feed.post", ["text"] = text, ["createdAt"] = "2026-11-24T00:00:00.000Z" },
    };

    private HttpClient Browser() => factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    private static string Verifier() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    private async Task<(OAuthTestClient Client, TestAccount Account, JsonElement Tokens, string Verifier)> AuthorizedAsync(string scope = "atproto transition:generic")
    {
        var account = await factory.CreateClient().CreateAccountAsync();
        var client = new OAuthTestClient(Browser(), OAuthTestClient.LoopbackClientId(scope), Redirect);
        var verifier = Verifier();
        var requestUri = await client.PushAsync(scope, verifier);
        var redirect = await client.AuthorizeAsync(requestUri, account.Handle, account.Password);
        var query = OAuthTestClient.Query(redirect);
        var (status, tokens, _) = await client.RedeemAsync(query["code"], verifier);
        Assert.True(status == HttpStatusCode.OK, tokens.ToString());
        return (client, account, tokens, verifier);
    }

    [Fact]
    public async Task Metadata_DescribesTheAtprotoProfile()
    {
        var http = factory.CreateClient();
        var resource = JsonDocument.Parse(await http.GetStringAsync("/.well-known/oauth-protected-resource")).RootElement;
        var issuer = resource.GetProperty("authorization_servers")[0].GetString();
        Assert.Equal(OAuthTestClient.Issuer, issuer);
        var server = JsonDocument.Parse(await http.GetStringAsync("/.well-known/oauth-authorization-server")).RootElement;
        Assert.Equal(issuer, server.GetProperty("issuer").GetString());
        Assert.True(server.GetProperty("require_pushed_authorization_requests").GetBoolean());
        Assert.True(server.GetProperty("authorization_response_iss_parameter_supported").GetBoolean());
        Assert.True(server.GetProperty("client_id_metadata_document_supported").GetBoolean());
        Assert.Contains("S256", server.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("private_key_jwt", server.GetProperty("token_endpoint_auth_methods_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("none", server.GetProperty("token_endpoint_auth_methods_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("ES256", server.GetProperty("dpop_signing_alg_values_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("atproto", server.GetProperty("scopes_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.DoesNotContain("none", server.GetProperty("token_endpoint_auth_signing_alg_values_supported").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task FullFlow_LoginConsentCode_ThenDpopBoundWrites()
    {
        var (client, account, tokens, _) = await AuthorizedAsync();
        Assert.Equal(account.Did, tokens.GetProperty("sub").GetString());
        Assert.Equal("DPoP", tokens.GetProperty("token_type").GetString());
        Assert.Equal("atproto transition:generic", tokens.GetProperty("scope").GetString());
        var access = tokens.GetProperty("access_token").GetString()!;

        var created = await client.XrpcAsync(HttpMethod.Post, "com.atproto.repo.createRecord", access, Post(account.Did, "via oauth"));
        Assert.True(created.StatusCode == HttpStatusCode.OK, await created.Content.ReadAsStringAsync());
        Assert.True(created.Headers.Contains("DPoP-Nonce"));
        var session = await (await client.XrpcAsync(HttpMethod.Get, "com.atproto.server.getSession", access)).ReadOkJsonAsync();
        Assert.Equal(account.Did, session.GetProperty("did").GetString());

        // The token is bound to its key and scheme.
        var bearer = new HttpRequestMessage(HttpMethod.Get, "/xrpc/com.atproto.server.getSession");
        bearer.Headers.Authorization = new("Bearer", access);
        await XrpcPipelineTests.AssertXrpcErrorAsync(await factory.CreateClient().SendAsync(bearer), HttpStatusCode.BadRequest, "InvalidToken");
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var stolen = await client.XrpcAsync(HttpMethod.Get, "com.atproto.server.getSession", access,
            proof: client.Proof("GET", OAuthTestClient.Issuer + "/xrpc/com.atproto.server.getSession", access, key: otherKey));
        Assert.Equal(HttpStatusCode.Unauthorized, stolen.StatusCode);

        // Methods outside an app password's reach stay out of reach.
        var denied = await client.XrpcAsync(HttpMethod.Post, "com.atproto.server.createAppPassword", access, new { name = "nope" });
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
    }

    [Fact]
    public async Task Dpop_MissingNonceAnswers401UseDpopNonce_AndAReplayedProofIsRefused()
    {
        var (client, _, tokens, _) = await AuthorizedAsync();
        var access = tokens.GetProperty("access_token").GetString()!;
        var url = OAuthTestClient.Issuer + "/xrpc/com.atproto.server.getSession";

        var noNonce = await client.XrpcAsync(HttpMethod.Get, "com.atproto.server.getSession", access, proof: client.Proof("GET", url, access, nonce: "stale-or-missing"));
        Assert.Equal(HttpStatusCode.Unauthorized, noNonce.StatusCode);
        Assert.Contains("use_dpop_nonce", noNonce.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.True(noNonce.Headers.Contains("DPoP-Nonce"));

        var proof = client.Proof("GET", url, access);
        Assert.Equal(HttpStatusCode.OK, (await client.XrpcAsync(HttpMethod.Get, "com.atproto.server.getSession", access, proof: proof)).StatusCode);
        var replayed = await client.XrpcAsync(HttpMethod.Get, "com.atproto.server.getSession", access, proof: proof);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Contains("replayed", await replayed.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A proof for another URL or method does not pass either.
        var wrongUrl = await client.XrpcAsync(HttpMethod.Get, "com.atproto.server.getSession", access, proof: client.Proof("GET", OAuthTestClient.Issuer + "/xrpc/com.atproto.repo.listRecords", access));
        Assert.Equal(HttpStatusCode.Unauthorized, wrongUrl.StatusCode);
    }

    [Fact]
    public async Task Token_WithReplayedDpopProof_Refused()
    {
        var account = await factory.CreateClient().CreateAccountAsync();
        var client = new OAuthTestClient(Browser(), OAuthTestClient.LoopbackClientId("atproto"), Redirect);
        var verifier = Verifier();
        var requestUri = await client.PushAsync("atproto", verifier);
        var code = OAuthTestClient.Query(await client.AuthorizeAsync(requestUri, account.Handle, account.Password))["code"];
        var proof = client.Proof("POST", OAuthTestClient.Issuer + "/oauth/token");
        var form = new Dictionary<string, string> { ["grant_type"] = "authorization_code", ["code"] = code, ["code_verifier"] = verifier, ["redirect_uri"] = Redirect };
        var (first, _, _) = await client.PostFormAsync("/oauth/token", form, proof);
        Assert.Equal(HttpStatusCode.OK, first);
        var (second, body, _) = await client.PostFormAsync("/oauth/token", form, proof);
        Assert.Equal(HttpStatusCode.Unauthorized, second);
        Assert.Equal("invalid_dpop_proof", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Token_WrongPkceVerifier_InvalidGrant()
    {
        var account = await factory.CreateClient().CreateAccountAsync();
        var client = new OAuthTestClient(Browser(), OAuthTestClient.LoopbackClientId("atproto"), Redirect);
        var requestUri = await client.PushAsync("atproto", Verifier());
        var code = OAuthTestClient.Query(await client.AuthorizeAsync(requestUri, account.Handle, account.Password))["code"];
        var (status, body, _) = await client.RedeemAsync(code, Verifier());
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Code_RedeemedTwice_SecondRefusedAndFirstSessionRevoked()
    {
        var account = await factory.CreateClient().CreateAccountAsync();
        var client = new OAuthTestClient(Browser(), OAuthTestClient.LoopbackClientId("atproto transition:generic"), Redirect);
        var verifier = Verifier();
        var code = OAuthTestClient.Query(await client.AuthorizeAsync(await client.PushAsync("atproto transition:generic", verifier), account.Handle, account.Password))["code"];
        var (_, tokens, _) = await client.RedeemAsync(code, verifier);
        var access = tokens.GetProperty("access_token").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await client.XrpcAsync(HttpMethod.Get, "com.atproto.server.getSession", access)).StatusCode);

        var (again, body, _) = await client.RedeemAsync(code, verifier);
        Assert.Equal(HttpStatusCode.BadRequest, again);
        Assert.Equal("invalid_grant", body.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.XrpcAsync(HttpMethod.Get, "com.atproto.server.getSession", access)).StatusCode);
    }

    [Fact]
    public async Task Refresh_RotatesTokens_ReuseRevokesTheWholeSession()
    {
        var (client, _, tokens, _) = await AuthorizedAsync();
        var firstAccess = tokens.GetProperty("access_token").GetString()!;
        var firstRefresh = tokens.GetProperty("refresh_token").GetString()!;

        var (status, rotated, _) = await client.RefreshAsync(firstRefresh);
        Assert.True(status == HttpStatusCode.OK, rotated.ToString());
        var secondAccess = rotated.GetProperty("access_token").GetString()!;
        var secondRefresh = rotated.GetProperty("refresh_token").GetString()!;
        Assert.NotEqual(firstRefresh, secondRefresh);
        Assert.Equal(HttpStatusCode.OK, (await client.XrpcAsync(HttpMethod.Get, "com.atproto.server.getSession", secondAccess)).StatusCode);
        // The access token of before the rotation no longer works.
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.XrpcAsync(HttpMethod.Get, "com.atproto.server.getSession", firstAccess)).StatusCode);

        var (reuse, error, _) = await client.RefreshAsync(firstRefresh);
        Assert.Equal(HttpStatusCode.BadRequest, reuse);
        Assert.Equal("invalid_grant", error.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.XrpcAsync(HttpMethod.Get, "com.atproto.server.getSession", secondAccess)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.RefreshAsync(secondRefresh)).Status);
    }

    [Fact]
    public async Task Refresh_FromAnotherDpopKey_Refused()
    {
        var (client, _, tokens, _) = await AuthorizedAsync();
        using var thief = new OAuthTestClient(Browser(), client.ClientId, Redirect) { Nonce = client.Nonce };
        var (status, body, _) = await thief.RefreshAsync(tokens.GetProperty("refresh_token").GetString()!);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Par_RedirectUriNotRegistered_OrBadRequests_Refused()
    {
        var client = new OAuthTestClient(Browser(), OAuthTestClient.LoopbackClientId("atproto"), Redirect);
        var form = new Dictionary<string, string>
        {
            ["response_type"] = "code",
            ["redirect_uri"] = "https://evil.example.com/callback",
            ["scope"] = "atproto",
            ["state"] = "s",
            ["code_challenge"] = Base64Url.EncodeToString(SHA256.HashData("x"u8)),
            ["code_challenge_method"] = "S256",
        };
        var (status, body, _) = await client.PostFormAsync("/oauth/par", form);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_request", body.GetProperty("error").GetString());

        form["redirect_uri"] = Redirect;
        form["code_challenge_method"] = "plain";
        Assert.Equal("invalid_request", (await client.PostFormAsync("/oauth/par", form)).Body.GetProperty("error").GetString());
        form["code_challenge_method"] = "S256";
        form["scope"] = "atproto transition:generic";
        Assert.Equal("invalid_scope", (await client.PostFormAsync("/oauth/par", form)).Body.GetProperty("error").GetString());
        form["scope"] = "transition:generic";
        Assert.Equal("invalid_scope", (await client.PostFormAsync("/oauth/par", form)).Body.GetProperty("error").GetString());

        // Without a DPoP proof nothing is accepted.
        var bare = await factory.CreateClient().PostAsync("/oauth/par", new FormUrlEncodedContent(form));
        Assert.Equal(HttpStatusCode.Unauthorized, bare.StatusCode);
    }

    [Fact]
    public async Task Deny_RedirectsWithAccessDeniedStateAndIss_InFragmentWhenAsked()
    {
        var account = await factory.CreateClient().CreateAccountAsync();
        var client = new OAuthTestClient(Browser(), OAuthTestClient.LoopbackClientId("atproto"), Redirect);
        var requestUri = await client.PushAsync("atproto", Verifier(), responseMode: "fragment");
        var page = await (await client.PostPageAsync("/oauth/authorize/sign-in", await Browse(client, requestUri), new() { ["identifier"] = account.Handle, ["password"] = account.Password })).Content.ReadAsStringAsync();
        Assert.Empty(page);
        var consent = await Browse(client, requestUri);
        var denied = await client.PostPageAsync("/oauth/authorize/reject", consent, []);
        Assert.Equal(HttpStatusCode.Redirect, denied.StatusCode);
        Assert.StartsWith(Redirect + "#", denied.Headers.Location!.ToString(), StringComparison.Ordinal);
        var result = OAuthTestClient.Query(denied.Headers.Location!);
        Assert.Equal("access_denied", result["error"]);
        Assert.Equal(OAuthTestClient.Issuer, result["iss"]);
        Assert.True(result.ContainsKey("state"));
    }

    private async Task<string> Browse(OAuthTestClient client, string requestUri)
    {
        var http = (HttpClient)typeof(OAuthTestClient).GetField("_http", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(client)!;
        return await http.GetStringAsync(client.AuthorizeUrl(requestUri));
    }

    [Fact]
    public async Task SignIn_WrongPassword_401PageAndNoCode_CsrfRequired()
    {
        var account = await factory.CreateClient().CreateAccountAsync();
        var client = new OAuthTestClient(Browser(), OAuthTestClient.LoopbackClientId("atproto"), Redirect);
        var requestUri = await client.PushAsync("atproto", Verifier());
        var page = await Browse(client, requestUri);
        var wrong = await client.PostPageAsync("/oauth/authorize/sign-in", page, new() { ["identifier"] = account.Handle, ["password"] = "not the password" });
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("Wrong identifier or password", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var forged = OAuthTestClient.HiddenInputs(page).Where(p => p.Key != "csrf").Append(new("csrf", "forged-value-123")).Append(new("identifier", account.Handle)).Append(new("password", account.Password));
        var http = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var response = await http.PostAsync("/oauth/authorize/sign-in", new FormUrlEncodedContent(forged));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Consent_UncheckedScopeIsNotGranted_AndIsRememberedForTheClient()
    {
        var account = await factory.CreateClient().CreateAccountAsync();
        const string scope = "atproto transition:generic transition:email";
        var browser = Browser();
        var client = new OAuthTestClient(browser, OAuthTestClient.LoopbackClientId(scope), Redirect);
        var verifier = Verifier();
        var redirect = await client.AuthorizeAsync(await client.PushAsync(scope, verifier), account.Handle, account.Password, approve: ["transition:generic"]);
        var (_, tokens, _) = await client.RedeemAsync(OAuthTestClient.Query(redirect)["code"], verifier);
        Assert.Equal("atproto transition:generic", tokens.GetProperty("scope").GetString());

        // Next time the same browser sees the account chooser, then consent with the earlier choices.
        var again = new OAuthTestClient(browser, client.ClientId, Redirect) { Nonce = client.Nonce };
        var requestUri = await again.PushAsync(scope, Verifier());
        var chooser = await Browse(again, requestUri);
        Assert.Contains("Choose an account", chooser, StringComparison.Ordinal);
        Assert.Contains(account.Handle, chooser, StringComparison.Ordinal);
        var selected = await again.PostPageAsync("/oauth/authorize/select", chooser, new() { ["did"] = account.Did });
        Assert.Equal(HttpStatusCode.Redirect, selected.StatusCode);
        var consent = await Browse(again, requestUri);
        Assert.Equal(["transition:generic"], OAuthTestClient.ScopeCheckboxes(consent));
    }

    [Fact]
    public async Task ReauthorizingTheClient_RevokesItsEarlierSession()
    {
        var (client, account, tokens, _) = await AuthorizedAsync();
        var first = tokens.GetProperty("access_token").GetString()!;
        var verifier = Verifier();
        var requestUri = await client.PushAsync("atproto transition:generic", verifier);
        var page = await Browse(client, requestUri);
        var selected = await client.PostPageAsync("/oauth/authorize/select", page, new() { ["did"] = account.Did });
        Assert.Equal(HttpStatusCode.Redirect, selected.StatusCode);
        var accepted = await client.PostPageAsync("/oauth/authorize/accept", await Browse(client, requestUri), [], [new("scope", "transition:generic")]);
        var (status, second, _) = await client.RedeemAsync(OAuthTestClient.Query(accepted.Headers.Location!)["code"], verifier);
        Assert.Equal(HttpStatusCode.OK, status);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.XrpcAsync(HttpMethod.Get, "com.atproto.server.getSession", first)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.RefreshAsync(tokens.GetProperty("refresh_token").GetString()!)).Status);
        Assert.Equal(HttpStatusCode.OK, (await client.XrpcAsync(HttpMethod.Get, "com.atproto.server.getSession", second.GetProperty("access_token").GetString()!)).StatusCode);
    }

    [Fact]
    public async Task RevokeAndIntrospect()
    {
        var (client, account, tokens, _) = await AuthorizedAsync();
        var access = tokens.GetProperty("access_token").GetString()!;
        var (_, active, _) = await client.PostFormAsync("/oauth/introspect", new() { ["token"] = access });
        Assert.True(active.GetProperty("active").GetBoolean());
        Assert.Equal(account.Did, active.GetProperty("sub").GetString());

        var (status, _, _) = await client.PostFormAsync("/oauth/revoke", new() { ["token"] = tokens.GetProperty("refresh_token").GetString()! });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.XrpcAsync(HttpMethod.Get, "com.atproto.server.getSession", access)).StatusCode);
        var (_, inactive, _) = await client.PostFormAsync("/oauth/introspect", new() { ["token"] = access });
        Assert.False(inactive.GetProperty("active").GetBoolean());
    }
}
