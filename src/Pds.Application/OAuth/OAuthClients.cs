using System.Collections.Concurrent;
using System.Text.Json;
using Pds.Domain.OAuth;

namespace Pds.Application.OAuth;

/// <summary>A client's validated metadata.</summary>
public sealed record OAuthClient
{
    public required string ClientId { get; init; }

    public required IReadOnlyList<string> RedirectUris { get; init; }

    /// <summary>Every scope value the client may request.</summary>
    public required IReadOnlySet<string> Scopes { get; init; }

    public required bool AllowsRefresh { get; init; }

    /// <summary><c>none</c> or <c>private_key_jwt</c>.</summary>
    public required string TokenEndpointAuthMethod { get; init; }

    public required string ApplicationType { get; init; }

    public IReadOnlyList<Jwk> Keys { get; init; } = [];

    public string? ClientName { get; init; }

    public string? ClientUri { get; init; }

    /// <summary>A <c>http://localhost</c> development client (virtual metadata, not fetched).</summary>
    public bool IsLoopback { get; init; }

    public bool IsConfidential => TokenEndpointAuthMethod == "private_key_jwt";

    /// <summary>
    /// Whether <paramref name="redirectUri"/> is one of the registered ones. For loopback clients
    /// the port of <c>127.0.0.1</c> / <c>[::1]</c> redirects is not compared (RFC 8252 section 7.3).
    /// </summary>
    public bool AllowsRedirect(string redirectUri)
    {
        if (RedirectUris.Contains(redirectUri, StringComparer.Ordinal))
        {
            return true;
        }

        if (!Uri.TryCreate(redirectUri, UriKind.Absolute, out var wanted) || wanted.Scheme != Uri.UriSchemeHttp
            || wanted.Host is not ("127.0.0.1" or "[::1]"))
        {
            return false;
        }

        return RedirectUris.Any(r => Uri.TryCreate(r, UriKind.Absolute, out var registered)
            && registered.Scheme == Uri.UriSchemeHttp && registered.Host == wanted.Host
            && registered.AbsolutePath == wanted.AbsolutePath && registered.Query == wanted.Query);
    }
}

/// <summary>
/// Resolves <c>client_id</c>s to validated client metadata: <c>http://localhost</c> development
/// clients get the virtual document the atproto OAuth profile defines; others are fetched over
/// https (and, when the operator allows it in development mode, from loopback http) and checked.
/// Fetched documents are cached briefly.
/// </summary>
public sealed class OAuthClientResolver(IOAuthDocumentFetcher fetcher, OAuthSettings settings, TimeProvider clock)
{
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<string, (OAuthClient Client, DateTimeOffset At)> _cache = new(StringComparer.Ordinal);

    public async Task<OAuthClient> ResolveAsync(string? clientId, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(clientId) || clientId.Length > 2048 || !Uri.TryCreate(clientId, UriKind.Absolute, out var url))
        {
            throw OAuthException.InvalidClient("client_id must be a URL");
        }

        if (url.Scheme == Uri.UriSchemeHttp && url.Host == "localhost")
        {
            return Loopback(clientId, url);
        }

        if (_cache.TryGetValue(clientId, out var cached) && clock.GetUtcNow() - cached.At < CacheLifetime)
        {
            return cached.Client;
        }

        var allowed = url.Scheme == Uri.UriSchemeHttps && url.IsDefaultPort && string.IsNullOrEmpty(url.UserInfo) && string.IsNullOrEmpty(url.Fragment)
            || settings.AllowLoopbackClientMetadata && url.Scheme == Uri.UriSchemeHttp && url.IsLoopback;
        if (!allowed)
        {
            throw OAuthException.InvalidClient("client_id must be an https URL without a port");
        }

        var document = await fetcher.FetchJsonAsync(url, cancellationToken).ConfigureAwait(false);
        var client = await ValidateAsync(clientId, url, document, cancellationToken).ConfigureAwait(false);
        _cache[clientId] = (client, clock.GetUtcNow());
        return client;
    }

    /// <summary>Forgets a cached document (a client whose keys may have changed).</summary>
    public void Invalidate(string clientId) => _cache.TryRemove(clientId, out _);

    private static OAuthClient Loopback(string clientId, Uri url)
    {
        if (!url.IsDefaultPort || url.AbsolutePath != "/" || !string.IsNullOrEmpty(url.Fragment) || !string.IsNullOrEmpty(url.UserInfo))
        {
            throw OAuthException.InvalidClient("a loopback client_id is http://localhost with no port and an empty path");
        }

        var query = ParseQuery(url.Query);
        var redirects = query.Where(p => p.Key == "redirect_uri").Select(p => p.Value).ToList();
        foreach (var redirect in redirects)
        {
            if (!Uri.TryCreate(redirect, UriKind.Absolute, out var r) || r.Scheme != Uri.UriSchemeHttp || r.Host is not ("127.0.0.1" or "[::1]"))
            {
                throw OAuthException.InvalidClient("loopback redirect_uri must be http://127.0.0.1 or http://[::1]");
            }
        }

        if (redirects.Count == 0)
        {
            redirects = ["http://127.0.0.1/", "http://[::1]/"];
        }

        var scopes = query.Where(p => p.Key == "scope").Select(p => p.Value).ToList();
        if (scopes.Count > 1)
        {
            throw OAuthException.InvalidClient("a loopback client_id carries at most one scope parameter");
        }

        return new OAuthClient
        {
            ClientId = clientId,
            RedirectUris = redirects,
            Scopes = (scopes.Count == 1 ? scopes[0] : "atproto").Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal),
            AllowsRefresh = true,
            TokenEndpointAuthMethod = "none",
            ApplicationType = "native",
            ClientName = "Development client",
            IsLoopback = true,
        };
    }

    private async Task<OAuthClient> ValidateAsync(string clientId, Uri url, JsonElement doc, CancellationToken cancellationToken)
    {
        string? Str(string name) => doc.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        List<string> Strs(string name) => doc.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList()
            : [];

        if (Str("client_id") != clientId)
        {
            throw OAuthException.InvalidClient("client metadata client_id does not match the URL it was fetched from");
        }

        var grants = Strs("grant_types");
        if (!grants.Contains("authorization_code"))
        {
            throw OAuthException.InvalidClient("client metadata grant_types must include authorization_code");
        }

        if (!Strs("response_types").Contains("code"))
        {
            throw OAuthException.InvalidClient("client metadata response_types must include code");
        }

        var scope = Str("scope")?.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        if (scope is null || !scope.Contains("atproto"))
        {
            throw OAuthException.InvalidClient("client metadata scope must include atproto");
        }

        if (!doc.TryGetProperty("dpop_bound_access_tokens", out var dpop) || dpop.ValueKind != JsonValueKind.True)
        {
            throw OAuthException.InvalidClient("client metadata must set dpop_bound_access_tokens to true");
        }

        var applicationType = Str("application_type") ?? "web";
        if (applicationType is not ("web" or "native"))
        {
            throw OAuthException.InvalidClient("client metadata application_type must be web or native");
        }

        var redirects = Strs("redirect_uris");
        if (redirects.Count == 0)
        {
            throw OAuthException.InvalidClient("client metadata needs at least one redirect_uri");
        }

        foreach (var redirect in redirects)
        {
            ValidateRedirect(redirect, url, applicationType);
        }

        if (Str("client_uri") is { } clientUri
            && (!Uri.TryCreate(clientUri, UriKind.Absolute, out var cu) || !string.Equals(cu.Host, url.Host, StringComparison.OrdinalIgnoreCase)))
        {
            throw OAuthException.InvalidClient("client metadata client_uri must share the client_id's host");
        }

        var method = Str("token_endpoint_auth_method") ?? "none";
        var keys = new List<Jwk>();
        if (method == "private_key_jwt")
        {
            if (Str("token_endpoint_auth_signing_alg") is { } alg && alg is not ("ES256" or "ES256K"))
            {
                throw OAuthException.InvalidClient("unsupported token_endpoint_auth_signing_alg");
            }

            JsonElement jwks;
            var hasJwks = doc.TryGetProperty("jwks", out jwks);
            var jwksUri = Str("jwks_uri");
            if (hasJwks == (jwksUri is not null))
            {
                throw OAuthException.InvalidClient("a private_key_jwt client must give exactly one of jwks and jwks_uri");
            }

            if (jwksUri is not null)
            {
                if (!Uri.TryCreate(jwksUri, UriKind.Absolute, out var ju)
                    || !(ju.Scheme == Uri.UriSchemeHttps || settings.AllowLoopbackClientMetadata && ju.IsLoopback))
                {
                    throw OAuthException.InvalidClient("jwks_uri must be an https URL");
                }

                jwks = await fetcher.FetchJsonAsync(ju, cancellationToken).ConfigureAwait(false);
            }

            if (jwks.ValueKind == JsonValueKind.Object && jwks.TryGetProperty("keys", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var key in list.EnumerateArray())
                {
                    if (Jwk.TryParse(key, out var jwk) && jwk.Kid is not null
                        && (!key.TryGetProperty("use", out var use) || use.GetString() == "sig"))
                    {
                        keys.Add(jwk);
                    }
                }
            }

            if (keys.Count == 0)
            {
                throw OAuthException.InvalidClient("a private_key_jwt client must publish at least one EC signing key with a kid");
            }
        }
        else if (method != "none")
        {
            throw OAuthException.InvalidClient("token_endpoint_auth_method must be none or private_key_jwt");
        }

        return new OAuthClient
        {
            ClientId = clientId,
            RedirectUris = redirects,
            Scopes = scope,
            AllowsRefresh = grants.Contains("refresh_token"),
            TokenEndpointAuthMethod = method,
            ApplicationType = applicationType,
            Keys = keys,
            ClientName = Str("client_name"),
            ClientUri = Str("client_uri"),
        };
    }

    private void ValidateRedirect(string redirect, Uri clientUrl, string applicationType)
    {
        if (!Uri.TryCreate(redirect, UriKind.Absolute, out var r) || !string.IsNullOrEmpty(r.Fragment))
        {
            throw OAuthException.InvalidClient($"invalid redirect_uri {redirect}");
        }

        if (r.Scheme == Uri.UriSchemeHttps)
        {
            if (applicationType == "native" && !string.Equals(r.Host, clientUrl.Host, StringComparison.OrdinalIgnoreCase))
            {
                throw OAuthException.InvalidClient("a native client's https redirect_uri must share the client_id's origin");
            }

            return;
        }

        if (r.Scheme == Uri.UriSchemeHttp && (r.Host is "127.0.0.1" or "[::1]" || settings.AllowLoopbackClientMetadata && r.IsLoopback))
        {
            return;
        }

        // A private-use scheme: the client's host reversed, then ":/" and a path (RFC 8252 section 7.1).
        var reversed = string.Join('.', clientUrl.Host.Split('.').Reverse());
        if (applicationType == "native" && r.Scheme.Contains('.', StringComparison.Ordinal)
            && (reversed == r.Scheme || reversed.StartsWith(r.Scheme + ".", StringComparison.Ordinal))
            && redirect.StartsWith(r.Scheme + ":/", StringComparison.Ordinal) && !redirect.StartsWith(r.Scheme + "://", StringComparison.Ordinal))
        {
            return;
        }

        throw OAuthException.InvalidClient($"redirect_uri {redirect} is not allowed for this client");
    }

    internal static List<KeyValuePair<string, string>> ParseQuery(string query)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var part in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString((eq < 0 ? part : part[..eq]).Replace('+', ' '));
            var value = eq < 0 ? string.Empty : Uri.UnescapeDataString(part[(eq + 1)..].Replace('+', ' '));
            result.Add(new(key, value));
        }

        return result;
    }
}

/// <summary>OAuth settings derived from configuration.</summary>
public sealed record OAuthSettings
{
    /// <summary>The authorization server's issuer: the service's public origin.</summary>
    public required string Issuer { get; init; }

    /// <summary>The resource server's identifier (access tokens' <c>aud</c>): the service DID.</summary>
    public required string Audience { get; init; }

    /// <summary>Development only: client metadata may be fetched from loopback http URLs.</summary>
    public bool AllowLoopbackClientMetadata { get; init; }

    public TimeSpan AccessTokenLifetime { get; init; } = TimeSpan.FromMinutes(15);

    public TimeSpan RequestLifetime { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan CodeLifetime { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Public clients: refresh token and whole-session lifetime.</summary>
    public TimeSpan PublicSessionLifetime { get; init; } = TimeSpan.FromDays(14);

    /// <summary>Confidential clients: each refresh token's lifetime (the session itself is unbounded).</summary>
    public TimeSpan ConfidentialRefreshLifetime { get; init; } = TimeSpan.FromDays(180);
}
