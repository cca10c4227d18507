using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Pds.Domain.Auth;
using Pds.Domain.Crypto;
using Pds.Domain.Identity;

namespace Pds.Api.Tests.Xrpc;

/// <summary>A created account's identifiers and first session.</summary>
public sealed record TestAccount(string Did, string Handle, string Email, string Password, string AccessJwt, string RefreshJwt);

/// <summary>Small helpers for calling XRPC methods in functional tests.</summary>
public static class XrpcClient
{
    private static int _counter;

    /// <summary>A fresh, valid handle under the dev service domain (.test).</summary>
    public static string NewHandle(string prefix = "user") =>
        $"{prefix}{Interlocked.Increment(ref _counter)}x{Random.Shared.Next(1000, 9999)}.test";

    public static async Task<TestAccount> CreateAccountAsync(this HttpClient client, string? handle = null, string? email = null, string password = "correct horse battery")
    {
        ArgumentNullException.ThrowIfNull(client);
        handle ??= NewHandle();
        email ??= handle.Replace(".test", "@example.com", StringComparison.Ordinal);
        var response = await client.PostAsJsonAsync("/xrpc/com.atproto.server.createAccount", new { handle, email, password });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"createAccount failed: {body}");
        return new TestAccount(
            body.GetProperty("did").GetString()!,
            body.GetProperty("handle").GetString()!,
            email,
            password,
            body.GetProperty("accessJwt").GetString()!,
            body.GetProperty("refreshJwt").GetString()!);
    }

    /// <summary>
    /// An identity that lives elsewhere: a did:plc registered in this server's own PLC directory
    /// (dev mode) with <paramref name="repoKey"/> as its signing key, <paramref name="rotation"/> as
    /// its rotation key, and an old PDS as its service. Returns the DID.
    /// </summary>
    public static async Task<string> RegisterIdentityElsewhereAsync(this HttpClient client, Secp256k1Keypair repoKey, Secp256k1Keypair rotation, string handle)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(repoKey);
        ArgumentNullException.ThrowIfNull(rotation);
        var genesis = PlcOperation.CreateAtprotoGenesis([rotation.DidKey()], repoKey.DidKey(), handle, "https://old-pds.example.com").Sign(rotation);
        var did = PlcDid.Derive(genesis);
        (await client.PostAsync($"/plc/{did}", new StringContent(genesis.ToJson(), Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        return did;
    }

    /// <summary>
    /// createAccount for a migrating identity, authorized by service auth that
    /// <paramref name="repoKey"/> signs for <paramref name="lxm"/>.
    /// </summary>
    public static Task<HttpResponseMessage> CreateMigratingAccountAsync(
        this HttpClient client, Secp256k1Keypair repoKey, string did, string handle, string serviceDid, string lxm = "com.atproto.server.createAccount")
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(repoKey);
        return client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/xrpc/com.atproto.server.createAccount")
        {
            Content = JsonContent.Create(new { handle, did, email = $"{handle}@example.com", password = "pw-123456" }),
            Headers = { Authorization = new("Bearer", ServiceAuthJwt.Create(repoKey, did, serviceDid, lxm)) },
        });
    }

    public static Task<HttpResponseMessage> GetAsync(this HttpClient client, string nsidAndQuery, string? bearer)
    {
        ArgumentNullException.ThrowIfNull(client);
        var request = new HttpRequestMessage(HttpMethod.Get, "/xrpc/" + nsidAndQuery);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PostAsync(this HttpClient client, string nsid, object? body, string? bearer)
    {
        ArgumentNullException.ThrowIfNull(client);
        var request = new HttpRequestMessage(HttpMethod.Post, "/xrpc/" + nsid);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return client.SendAsync(request);
    }

    public static async Task<JsonElement> ReadOkJsonAsync(this HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"expected 200, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
