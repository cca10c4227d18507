using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Pds.Api.Tests.Xrpc;

namespace Pds.Api.Tests.OAuth;

/// <summary>
/// A server that fetches client metadata from loopback (development setting), so a confidential
/// client can publish its metadata and keys from inside the test.
/// </summary>
public sealed class LoopbackClientsFactory : PdsApiFactory
{
    protected override IReadOnlyDictionary<string, string> ExtraSettings { get; } = new Dictionary<string, string>
    {
        ["PDS_OAUTH_LOOPBACK_CLIENT_METADATA"] = "true",
    };
}

/// <summary>A client's web server on loopback: serves its metadata document (and whatever else is set).</summary>
public sealed class ClientMetadataHost : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();

    public ClientMetadataHost()
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string ClientId => $"http://127.0.0.1:{Port}/client-metadata.json";

    public Dictionary<string, string> Documents { get; } = [];

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            var path = context.Request.Url!.AbsolutePath;
            if (Documents.TryGetValue(path, out var json))
            {
                var bytes = Encoding.UTF8.GetBytes(json);
                context.Response.ContentType = "application/json";
                context.Response.StatusCode = 200;
                await context.Response.OutputStream.WriteAsync(bytes);
            }
            else
            {
                context.Response.StatusCode = 404;
            }

            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
        _stop.Dispose();
    }
}

public sealed class ConfidentialClientTests(LoopbackClientsFactory factory) : IClassFixture<LoopbackClientsFactory>
{
    private static string Verifier() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    private static Dictionary<string, object> Jwk(ECDsa key, string kid)
    {
        var p = key.ExportParameters(false);
        return new() { ["kty"] = "EC", ["crv"] = "P-256", ["x"] = Base64Url.EncodeToString(p.Q.X), ["y"] = Base64Url.EncodeToString(p.Q.Y), ["kid"] = kid, ["alg"] = "ES256", ["use"] = "sig" };
    }

    private static string Metadata(ClientMetadataHost host, string redirect, params Dictionary<string, object>[] keys) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["client_id"] = host.ClientId,
        ["client_name"] = "Confidential test client",
        ["application_type"] = "web",
        ["grant_types"] = new[] { "authorization_code", "refresh_token" },
        ["response_types"] = new[] { "code" },
        ["redirect_uris"] = new[] { redirect },
        ["scope"] = "atproto transition:generic",
        ["token_endpoint_auth_method"] = "private_key_jwt",
        ["token_endpoint_auth_signing_alg"] = "ES256",
        ["dpop_bound_access_tokens"] = true,
        ["jwks"] = new { keys },
    });

    private static Func<string> Assertion(ECDsa key, string kid, string clientId) => () => OAuthTestClient.Sign(
        key,
        new Dictionary<string, object> { ["alg"] = "ES256", ["kid"] = kid, ["typ"] = "JWT" },
        new Dictionary<string, object>
        {
            ["iss"] = clientId,
            ["sub"] = clientId,
            ["aud"] = OAuthTestClient.Issuer,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["iat"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["exp"] = DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds(),
        });

    [Fact]
    public async Task PrivateKeyJwt_FullFlow_RefreshBoundToTheKey_ReplayedAssertionRefused()
    {
        using var host = new ClientMetadataHost();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var redirect = $"http://127.0.0.1:{host.Port}/callback";
        host.Documents["/client-metadata.json"] = Metadata(host, redirect, Jwk(key, "k1"));
        var account = await factory.CreateClient().CreateAccountAsync();
        var browser = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        using var client = new OAuthTestClient(browser, host.ClientId, redirect) { Assertion = Assertion(key, "k1", host.ClientId) };

        var verifier = Verifier();
        var requestUri = await client.PushAsync("atproto transition:generic", verifier);
        var page = await browser.GetStringAsync(client.AuthorizeUrl(requestUri));
        Assert.Contains(host.ClientId, page, StringComparison.Ordinal);
        var code = OAuthTestClient.Query(await client.AuthorizeAsync(requestUri, account.Handle, account.Password))["code"];
        var (status, tokens, _) = await client.RedeemAsync(code, verifier);
        Assert.True(status == HttpStatusCode.OK, tokens.ToString());
        var access = tokens.GetProperty("access_token").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await client.XrpcAsync(HttpMethod.Get, "com.atproto.server.getSession", access)).StatusCode);

        // Without its assertion, or with one replayed, the client is not authenticated.
        using var anonymous = new OAuthTestClient(browser, host.ClientId, redirect) { Nonce = client.Nonce };
        var (noAuth, noAuthBody, _) = await anonymous.RefreshAsync(tokens.GetProperty("refresh_token").GetString()!);
        Assert.Equal(HttpStatusCode.Unauthorized, noAuth);
        Assert.Equal("invalid_client", noAuthBody.GetProperty("error").GetString());
        var once = Assertion(key, "k1", host.ClientId)();
        using var replaying = new OAuthTestClient(browser, host.ClientId, redirect) { Nonce = client.Nonce, Assertion = () => once };
        await replaying.PostFormAsync("/oauth/introspect", new() { ["token"] = access });
        var (replayed, replayedBody, _) = await replaying.PostFormAsync("/oauth/introspect", new() { ["token"] = access });
        Assert.Equal(HttpStatusCode.Unauthorized, replayed);
        Assert.Equal("invalid_client", replayedBody.GetProperty("error").GetString());

        // A session stays bound to the key it began with: another published key cannot refresh it.
        using var second = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        host.Documents["/client-metadata.json"] = Metadata(host, redirect, Jwk(key, "k1"), Jwk(second, "k2"));
        await Task.Delay(10);
        using var rotated = new OAuthTestClient(browser, host.ClientId, redirect) { Nonce = client.Nonce, Assertion = Assertion(second, "k2", host.ClientId) };
        var dpopField = typeof(OAuthTestClient).GetField("_dpopKey", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;
        dpopField.SetValue(rotated, dpopField.GetValue(client));
        var (otherKey, otherKeyBody, _) = await rotated.RefreshAsync(tokens.GetProperty("refresh_token").GetString()!);
        Assert.Equal(HttpStatusCode.BadRequest, otherKey);
        Assert.Equal("invalid_grant", otherKeyBody.GetProperty("error").GetString());
    }

    [Fact]
    public async Task ConfidentialClient_WithoutAssertionAtPar_InvalidClient_AndBadMetadataRefused()
    {
        using var host = new ClientMetadataHost();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var redirect = $"http://127.0.0.1:{host.Port}/callback";
        host.Documents["/client-metadata.json"] = Metadata(host, redirect, Jwk(key, "k1"));
        var browser = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        using var client = new OAuthTestClient(browser, host.ClientId, redirect);
        var form = new Dictionary<string, string>
        {
            ["response_type"] = "code",
            ["redirect_uri"] = redirect,
            ["scope"] = "atproto",
            ["state"] = "s",
            ["code_challenge"] = Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(Verifier()))),
            ["code_challenge_method"] = "S256",
        };
        var (status, body, _) = await client.PostFormAsync("/oauth/par", form);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());

        // Metadata whose client_id differs from its URL is refused.
        using var other = new ClientMetadataHost();
        other.Documents["/client-metadata.json"] = Metadata(host, redirect, Jwk(key, "k1"));
        using var impostor = new OAuthTestClient(browser, other.ClientId, redirect) { Assertion = Assertion(key, "k1", other.ClientId) };
        var (impostorStatus, impostorBody, _) = await impostor.PostFormAsync("/oauth/par", form);
        Assert.Equal(HttpStatusCode.Unauthorized, impostorStatus);
        Assert.Contains("client_id", impostorBody.GetProperty("error_description").GetString(), StringComparison.Ordinal);
    }
}

/// <summary>On the default configuration, client metadata is never fetched from private addresses.</summary>
public sealed class ClientFetchGuardTests(PdsApiFactory factory) : IClassFixture<PdsApiFactory>
{
    [Fact]
    public async Task LoopbackClientMetadataUrl_RefusedWithoutTheDevelopmentSetting()
    {
        using var host = new ClientMetadataHost();
        host.Documents["/client-metadata.json"] = "{}";
        var browser = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var client = new OAuthTestClient(browser, host.ClientId, "http://127.0.0.1/callback");
        var (status, body, _) = await client.PostFormAsync("/oauth/par", new() { ["response_type"] = "code" });
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());

        using var https = new OAuthTestClient(browser, "https://127.0.0.1/client-metadata.json", "http://127.0.0.1/callback");
        var (httpsStatus, httpsBody, _) = await https.PostFormAsync("/oauth/par", new() { ["response_type"] = "code" });
        Assert.Equal(HttpStatusCode.Unauthorized, httpsStatus);
        Assert.Contains("public address", httpsBody.GetProperty("error_description").GetString(), StringComparison.Ordinal);
    }
}
