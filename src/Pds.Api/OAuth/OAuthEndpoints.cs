using System.Text.Json;
using Microsoft.Extensions.Primitives;
using Pds.Application.OAuth;

namespace Pds.Api.OAuth;

/// <summary>
/// The authorization server's HTTP surface (atproto OAuth profile): metadata documents, PAR, the
/// token, revocation and introspection endpoints. Every answer carries the current DPoP nonce and
/// is never cached; errors are OAuth's <c>{"error", "error_description"}</c>.
/// </summary>
internal static class OAuthEndpoints
{
    public const string ParPath = "/oauth/par";
    public const string TokenPath = "/oauth/token";
    public const string RevokePath = "/oauth/revoke";
    public const string IntrospectPath = "/oauth/introspect";
    public const string AuthorizePath = "/oauth/authorize";
    public const string JwksPath = "/oauth/jwks";

    public static void MapOAuth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/.well-known/oauth-protected-resource", (OAuthSettings settings) => Results.Json(new Dictionary<string, object>
        {
            ["resource"] = settings.Issuer,
            ["authorization_servers"] = new[] { settings.Issuer },
            ["scopes_supported"] = Array.Empty<string>(),
            ["bearer_methods_supported"] = new[] { "header" },
            ["resource_documentation"] = "https://atproto.com",
        }));

        app.MapGet("/.well-known/oauth-authorization-server", (OAuthSettings settings) => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = settings.Issuer,
            ["authorization_endpoint"] = settings.Issuer + AuthorizePath,
            ["token_endpoint"] = settings.Issuer + TokenPath,
            ["pushed_authorization_request_endpoint"] = settings.Issuer + ParPath,
            ["require_pushed_authorization_requests"] = true,
            ["revocation_endpoint"] = settings.Issuer + RevokePath,
            ["introspection_endpoint"] = settings.Issuer + IntrospectPath,
            ["jwks_uri"] = settings.Issuer + JwksPath,
            ["response_types_supported"] = new[] { "code" },
            ["response_modes_supported"] = new[] { "query", "fragment" },
            ["grant_types_supported"] = new[] { "authorization_code", "refresh_token" },
            ["code_challenge_methods_supported"] = new[] { "S256" },
            ["token_endpoint_auth_methods_supported"] = new[] { "none", "private_key_jwt" },
            ["token_endpoint_auth_signing_alg_values_supported"] = new[] { "ES256", "ES256K" },
            ["dpop_signing_alg_values_supported"] = new[] { "ES256", "ES256K" },
            ["scopes_supported"] = new[] { "atproto", "transition:generic", "transition:chat.bsky", "transition:email" },
            ["subject_types_supported"] = new[] { "public" },
            ["authorization_response_iss_parameter_supported"] = true,
            ["require_request_uri_registration"] = true,
            ["client_id_metadata_document_supported"] = true,
            ["prompt_values_supported"] = new[] { "none", "login", "consent", "select_account" },
            ["ui_locales_supported"] = new[] { "en-US" },
            ["protected_resources"] = new[] { settings.Issuer },
        }));

        // Access tokens are signed with a server secret; there is no public key to publish.
        app.MapGet(JwksPath, () => Results.Json(new { keys = Array.Empty<object>() }));

        app.MapPost(ParPath, (HttpContext http, OAuthProvider provider, OAuthSettings settings) => HandleAsync(http, provider, async request =>
        {
            var (requestUri, expiresIn) = await provider.PushAsync(request, http.RequestAborted).ConfigureAwait(false);
            return Results.Json(new Dictionary<string, object> { ["request_uri"] = requestUri, ["expires_in"] = expiresIn }, statusCode: StatusCodes.Status201Created);
        }, settings, ParPath));

        app.MapPost(TokenPath, (HttpContext http, OAuthProvider provider, OAuthSettings settings) => HandleAsync(http, provider, async request =>
        {
            var tokens = await provider.TokenAsync(request, http.RequestAborted).ConfigureAwait(false);
            var body = new Dictionary<string, object>
            {
                ["access_token"] = tokens.AccessToken,
                ["token_type"] = tokens.TokenType,
                ["expires_in"] = tokens.ExpiresIn,
                ["scope"] = tokens.Scope,
                ["sub"] = tokens.Sub,
            };
            if (tokens.RefreshToken is not null)
            {
                body["refresh_token"] = tokens.RefreshToken;
            }

            return Results.Json(body);
        }, settings, TokenPath));

        app.MapPost(RevokePath, (HttpContext http, OAuthProvider provider, OAuthSettings settings) => HandleAsync(http, provider, async request =>
        {
            await provider.RevokeAsync(request.Form.GetValueOrDefault("token"), http.RequestAborted).ConfigureAwait(false);
            return Results.Ok();
        }, settings, RevokePath));

        app.MapPost(IntrospectPath, (HttpContext http, OAuthProvider provider, OAuthSettings settings) => HandleAsync(http, provider, async request =>
            Results.Json(await provider.IntrospectAsync(request.Form, http.RequestAborted).ConfigureAwait(false)), settings, IntrospectPath));

        app.MapOAuthPages();
    }

    private static async Task<IResult> HandleAsync(HttpContext http, OAuthProvider provider, Func<OAuthHttpRequest, Task<IResult>> work, OAuthSettings settings, string path)
    {
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.Pragma = "no-cache";
        http.Response.Headers["DPoP-Nonce"] = provider.CurrentNonce;
        try
        {
            var form = await ReadParametersAsync(http).ConfigureAwait(false);
            var request = new OAuthHttpRequest(http.Request.Method, new Uri(settings.Issuer + path), http.Request.Headers["DPoP"].ToString() is { Length: > 0 } proof ? proof : null, form);
            return await work(request).ConfigureAwait(false);
        }
        catch (OAuthException e)
        {
            if (e.Status == StatusCodes.Status401Unauthorized && e.Error is "invalid_dpop_proof" or "use_dpop_nonce")
            {
                http.Response.Headers.WWWAuthenticate = $"DPoP error=\"{e.Error}\", error_description=\"{e.Message.Replace("\"", "'", StringComparison.Ordinal)}\"";
            }

            return Results.Json(new Dictionary<string, string> { ["error"] = e.Error, ["error_description"] = e.Message }, statusCode: e.Status);
        }
    }

    /// <summary>Form-encoded (or JSON) parameters; a parameter given twice is refused (RFC 6749 section 3.1).</summary>
    private static async Task<IReadOnlyDictionary<string, string>> ReadParametersAsync(HttpContext http)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (http.Request.HasFormContentType)
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
            foreach (var (key, values) in form)
            {
                if (values.Count != 1)
                {
                    throw OAuthException.InvalidRequest($"parameter {key} must be given once");
                }

                result[key] = values.ToString();
            }

            return result;
        }

        if (http.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) == true)
        {
            try
            {
                using var doc = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted).ConfigureAwait(false);
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw OAuthException.InvalidRequest("the body must be a JSON object");
                }

                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    result[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
                }

                return result;
            }
            catch (JsonException)
            {
                throw OAuthException.InvalidRequest("the body is not valid JSON");
            }
        }

        throw OAuthException.InvalidRequest("the body must be application/x-www-form-urlencoded");
    }

    internal static string? Single(StringValues values) => values.Count == 1 ? values[0] : null;
}
