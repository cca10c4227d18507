using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pds.Api.Tests.OAuth;

/// <summary>
/// A minimal atproto OAuth client for functional tests: its own DPoP key, PAR, the authorization
/// pages driven as a browser would post them (cookies kept), the token endpoint and DPoP-bound XRPC.
/// </summary>
public sealed partial class OAuthTestClient : IDisposable
{
    public const string Issuer = "http://localhost:2583";

    private readonly HttpClient _http;
    private readonly ECDsa _dpopKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public OAuthTestClient(HttpClient http, string clientId, string redirectUri)
    {
        _http = http;
        ClientId = clientId;
        RedirectUri = redirectUri;
    }

    public string ClientId { get; }

    public string RedirectUri { get; }

    public string? Nonce { get; set; }

    /// <summary>Produces a client assertion for confidential clients, or null for public ones.</summary>
    public Func<string>? Assertion { get; init; }

    public static string LoopbackClientId(string scope, string redirectUri = "http://127.0.0.1/callback") =>
        $"http://localhost?redirect_uri={Uri.EscapeDataString(redirectUri)}&scope={Uri.EscapeDataString(scope)}";

    public string Proof(string method, string url, string? accessToken = null, string? nonce = null, ECDsa? key = null)
    {
        key ??= _dpopKey;
        var p = key.ExportParameters(false);
        var header = new Dictionary<string, object>
        {
            ["typ"] = "dpop+jwt",
            ["alg"] = "ES256",
            ["jwk"] = new Dictionary<string, string> { ["kty"] = "EC", ["crv"] = "P-256", ["x"] = Base64Url.EncodeToString(p.Q.X), ["y"] = Base64Url.EncodeToString(p.Q.Y) },
        };
        var claims = new Dictionary<string, object>
        {
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["htm"] = method,
            ["htu"] = url,
            ["iat"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        };
        if ((nonce ?? Nonce) is { } n)
        {
            claims["nonce"] = n;
        }

        if (accessToken is not null)
        {
            claims["ath"] = Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(accessToken)));
        }

        return Sign(key, header, claims);
    }

    public static string Sign(ECDsa key, object header, object claims)
    {
        ArgumentNullException.ThrowIfNull(key);
        var input = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return input + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>POSTs a form to an authorization-server endpoint with a fresh DPoP proof, learning the nonce once if needed.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> PostFormAsync(string path, Dictionary<string, string> form, string? proof = null)
    {
        ArgumentNullException.ThrowIfNull(form);
        form = new Dictionary<string, string>(form) { ["client_id"] = ClientId };
        if (Assertion is not null)
        {
            form["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
            form["client_assertion"] = Assertion();
        }

        for (var attempt = 0; ; attempt++)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
            request.Headers.Add("DPoP", proof ?? Proof("POST", Issuer + path));
            var response = await _http.SendAsync(request);
            if (response.Headers.TryGetValues("DPoP-Nonce", out var nonces))
            {
                Nonce = nonces.First();
            }

            var text = await response.Content.ReadAsStringAsync();
            var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
            if (attempt == 0 && proof is null && body.ValueKind == JsonValueKind.Object && body.TryGetProperty("error", out var e) && e.GetString() == "use_dpop_nonce")
            {
                if (Assertion is not null)
                {
                    form["client_assertion"] = Assertion();
                }

                continue;
            }

            return (response.StatusCode, body, response);
        }
    }

    public async Task<string> PushAsync(string scope, string verifier, string? redirectUri = null, string? loginHint = null, string responseMode = "query")
    {
        var form = new Dictionary<string, string>
        {
            ["response_type"] = "code",
            ["redirect_uri"] = redirectUri ?? RedirectUri,
            ["scope"] = scope,
            ["state"] = Guid.NewGuid().ToString("N"),
            ["code_challenge"] = Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))),
            ["code_challenge_method"] = "S256",
            ["response_mode"] = responseMode,
        };
        if (loginHint is not null)
        {
            form["login_hint"] = loginHint;
        }

        var (status, body, _) = await PostFormAsync("/oauth/par", form);
        Assert.True(status == HttpStatusCode.Created, $"PAR failed: {(int)status} {body}");
        return body.GetProperty("request_uri").GetString()!;
    }

    public string AuthorizeUrl(string requestUri) => $"/oauth/authorize?client_id={Uri.EscapeDataString(ClientId)}&request_uri={Uri.EscapeDataString(requestUri)}";

    /// <summary>Opens the authorization page, signs in if asked, and approves the given scopes. Returns the redirect back to the client.</summary>
    public async Task<Uri> AuthorizeAsync(string requestUri, string identifier, string password, IEnumerable<string>? approve = null)
    {
        var page = await _http.GetStringAsync(AuthorizeUrl(requestUri));
        if (page.Contains("name=\"password\"", StringComparison.Ordinal))
        {
            var signIn = await PostPageAsync("/oauth/authorize/sign-in", page, new() { ["identifier"] = identifier, ["password"] = password });
            Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
            page = await _http.GetStringAsync(signIn.Headers.Location!.ToString());
        }

        Assert.Contains("id=\"accept\"", page, StringComparison.Ordinal);
        approve ??= ScopeCheckboxes(page);
        var accept = await PostPageAsync("/oauth/authorize/accept", page, [], approve.Select(s => new KeyValuePair<string, string>("scope", s)));
        Assert.Equal(HttpStatusCode.Redirect, accept.StatusCode);
        return accept.Headers.Location!;
    }

    public async Task<HttpResponseMessage> PostPageAsync(string action, string page, Dictionary<string, string> fields, IEnumerable<KeyValuePair<string, string>>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var values = HiddenInputs(page).Where(p => !fields.ContainsKey(p.Key)).Concat(fields).Concat(extra ?? []).ToList();
        return await _http.PostAsync(action, new FormUrlEncodedContent(values));
    }

    public static IEnumerable<KeyValuePair<string, string>> HiddenInputs(string page) =>
        HiddenRegex().Matches(page).Select(m => new KeyValuePair<string, string>(m.Groups[1].Value, WebUtility.HtmlDecode(m.Groups[2].Value)))
            .DistinctBy(p => p.Key);

    public static IEnumerable<string> ScopeCheckboxes(string page) =>
        CheckboxRegex().Matches(page).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value));

    public static Dictionary<string, string> Query(Uri redirect)
    {
        ArgumentNullException.ThrowIfNull(redirect);
        var query = redirect.Fragment.Length > 1 ? redirect.Fragment[1..] : redirect.Query.TrimStart('?');
        return query.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => Uri.UnescapeDataString(p.Length > 1 ? p[1] : string.Empty));
    }

    public async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> RedeemAsync(string code, string verifier, string? redirectUri = null) =>
        await PostFormAsync("/oauth/token", new()
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["code_verifier"] = verifier,
            ["redirect_uri"] = redirectUri ?? RedirectUri,
        });

    public async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> RefreshAsync(string refreshToken) =>
        await PostFormAsync("/oauth/token", new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken });

    /// <summary>An XRPC call with the DPoP-bound token, retrying once when the server asks for a fresh nonce.</summary>
    public async Task<HttpResponseMessage> XrpcAsync(HttpMethod method, string nsidAndQuery, string accessToken, object? body = null, string? proof = null)
    {
        ArgumentNullException.ThrowIfNull(method);
        var path = "/xrpc/" + nsidAndQuery;
        var pathOnly = path.Split('?')[0];
        for (var attempt = 0; ; attempt++)
        {
            var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = JsonContent.Create(body);
            }

            request.Headers.Authorization = new AuthenticationHeaderValue("DPoP", accessToken);
            request.Headers.Add("DPoP", proof ?? Proof(method.Method, Issuer + pathOnly, accessToken));
            var response = await _http.SendAsync(request);
            if (response.Headers.TryGetValues("DPoP-Nonce", out var nonces))
            {
                Nonce = nonces.First();
            }

            if (attempt == 0 && proof is null && response.StatusCode == HttpStatusCode.Unauthorized
                && response.Headers.WwwAuthenticate.ToString().Contains("use_dpop_nonce", StringComparison.Ordinal))
            {
                continue;
            }

            return response;
        }
    }

    public void Dispose() => _dpopKey.Dispose();

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenRegex();

    [GeneratedRegex("<input type=\"checkbox\" name=\"scope\" value=\"([^\"]*)\"[^>]* checked>")]
    private static partial Regex CheckboxRegex();
}
