using Pds.Domain.OAuth;

namespace Pds.Application.OAuth;

/// <summary>The token endpoint's answer (RFC 6749 section 5.1, plus atproto's <c>sub</c>).</summary>
public sealed record OAuthTokenResponse(string AccessToken, string TokenType, long ExpiresIn, string? RefreshToken, string Scope, string Sub);

/// <summary>The parts of an HTTP request the authorization server checks.</summary>
public sealed record OAuthHttpRequest(string Method, Uri Url, string? DpopProof, IReadOnlyDictionary<string, string> Form);

/// <summary>
/// The authorization server's protocol steps: pushed authorization requests, the user's decision,
/// the token endpoint (authorization code with PKCE, refresh rotation with reuse detection),
/// revocation and introspection. Pages and HTTP shapes are the API layer's.
/// </summary>
public sealed class OAuthProvider(
    IOAuthStore store,
    IReplayStore replay,
    OAuthClientResolver clients,
    OAuthAccessTokens accessTokens,
    DpopNonces nonces,
    OAuthSettings settings,
    IPermissionSetResolver permissionSets,
    TimeProvider clock)
{
    public const string RequestUriPrefix = "urn:ietf:params:oauth:request_uri:";
    private const string AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    public string CurrentNonce => nonces.Current;

    /// <summary>Checks a DPoP proof for an authorization-server request and returns its key thumbprint.</summary>
    public async Task<string> VerifyDpopAsync(OAuthHttpRequest http, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (string.IsNullOrEmpty(http.DpopProof))
        {
            throw OAuthException.InvalidDpop("DPoP proof required");
        }

        var failure = DpopProof.Verify(http.DpopProof, http.Method, http.Url, null, clock.GetUtcNow(), out var proof);
        if (failure != DpopFailure.None)
        {
            throw OAuthException.InvalidDpop("Invalid DPoP proof: " + failure);
        }

        if (!nonces.IsValid(proof!.Nonce))
        {
            throw OAuthException.UseDpopNonce();
        }

        if (!await replay.TryUseAsync("dpop:" + proof.Jkt + ":" + proof.Jti, DpopProof.MaxClockSkew * 2, cancellationToken).ConfigureAwait(false))
        {
            throw OAuthException.InvalidDpop("DPoP proof replayed");
        }

        return proof.Jkt;
    }

    /// <summary>Authenticates the client as its metadata requires (RFC 7523 assertion or none).</summary>
    public async Task<(OAuthClient Client, ClientAuth Auth)> AuthenticateClientAsync(IReadOnlyDictionary<string, string> form, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(form);
        var client = await clients.ResolveAsync(form.GetValueOrDefault("client_id"), cancellationToken).ConfigureAwait(false);
        var assertionType = form.GetValueOrDefault("client_assertion_type");
        var assertion = form.GetValueOrDefault("client_assertion");
        if (form.ContainsKey("client_secret"))
        {
            throw OAuthException.InvalidClient("client_secret is not supported");
        }

        if (!client.IsConfidential)
        {
            if (assertion is not null || assertionType is not null)
            {
                throw OAuthException.InvalidClient("this client is registered for token_endpoint_auth_method none");
            }

            return (client, ClientAuth.None);
        }

        if (assertionType != AssertionType || string.IsNullOrEmpty(assertion))
        {
            throw OAuthException.InvalidClient("client authentication with a private_key_jwt assertion is required");
        }

        if (!Jws.TryParse(assertion, out var jws))
        {
            throw OAuthException.InvalidClient("malformed client assertion");
        }

        var key = client.Keys.FirstOrDefault(k => k.Kid == jws.Kid);
        if (key is null)
        {
            // The client may have rotated its keys: look again once.
            clients.Invalidate(client.ClientId);
            client = await clients.ResolveAsync(client.ClientId, cancellationToken).ConfigureAwait(false);
            key = client.Keys.FirstOrDefault(k => k.Kid == jws.Kid)
                ?? throw OAuthException.InvalidClient("client assertion signed with an unknown key");
        }

        if (!jws.VerifyWith(key))
        {
            throw OAuthException.InvalidClient("client assertion signature is invalid");
        }

        var now = clock.GetUtcNow();
        var iat = jws.Seconds("iat");
        var exp = jws.Seconds("exp");
        var audOk = jws.Claim("aud") == settings.Issuer
            || jws.Claims.TryGetProperty("aud", out var aud) && aud.ValueKind == System.Text.Json.JsonValueKind.Array && aud.EnumerateArray().Any(a => a.GetString() == settings.Issuer);
        if (jws.Claim("iss") != client.ClientId || jws.Claim("sub") != client.ClientId || !audOk)
        {
            throw OAuthException.InvalidClient("client assertion must have iss and sub equal to the client_id and aud equal to the issuer");
        }

        if (iat is null || Math.Abs(now.ToUnixTimeSeconds() - iat.Value) > 300 || exp is not null && exp.Value < now.ToUnixTimeSeconds())
        {
            throw OAuthException.InvalidClient("client assertion is expired or not recent");
        }

        var jti = jws.Claim("jti");
        if (string.IsNullOrEmpty(jti) || !await replay.TryUseAsync("assertion:" + client.ClientId + ":" + jti, TimeSpan.FromMinutes(15), cancellationToken).ConfigureAwait(false))
        {
            throw OAuthException.InvalidClient("client assertion jti missing or replayed");
        }

        return (client, new ClientAuth("private_key_jwt", key.Kid, key.Algorithm, key.Thumbprint()));
    }

    /// <summary>PAR (RFC 9126): validates and stores the request; returns its <c>request_uri</c>.</summary>
    public async Task<(string RequestUri, int ExpiresIn)> PushAsync(OAuthHttpRequest http, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        var jkt = await VerifyDpopAsync(http, cancellationToken).ConfigureAwait(false);
        var (client, auth) = await AuthenticateClientAsync(http.Form, cancellationToken).ConfigureAwait(false);
        var form = http.Form;
        if (form.ContainsKey("request_uri") || form.ContainsKey("request"))
        {
            throw OAuthException.InvalidRequest("request and request_uri are not accepted at the PAR endpoint");
        }

        if (form.GetValueOrDefault("response_type") != "code")
        {
            throw new OAuthException("unsupported_response_type", "response_type must be code");
        }

        var redirect = form.GetValueOrDefault("redirect_uri") ?? (client.RedirectUris.Count == 1 ? client.RedirectUris[0] : null);
        if (redirect is null || !client.AllowsRedirect(redirect))
        {
            throw OAuthException.InvalidRequest("redirect_uri is not registered for this client");
        }

        if (form.GetValueOrDefault("code_challenge_method") != "S256" || !Pkce.IsValidChallenge(form.GetValueOrDefault("code_challenge")))
        {
            throw OAuthException.InvalidRequest("PKCE with code_challenge_method S256 is required");
        }

        var state = form.GetValueOrDefault("state");
        if (string.IsNullOrEmpty(state) || state.Length > 1024)
        {
            throw OAuthException.InvalidRequest("state is required");
        }

        var scope = form.GetValueOrDefault("scope") ?? string.Empty;
        var scopes = scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (!scopes.Contains("atproto"))
        {
            throw new OAuthException("invalid_scope", "scope must include atproto");
        }

        if (scopes.FirstOrDefault(s => !client.Scopes.Contains(s)) is { } undeclared)
        {
            throw new OAuthException("invalid_scope", $"scope {undeclared} is not declared in the client metadata");
        }

        // A permission set must resolve when the request starts (the specification fails the request otherwise).
        foreach (var include in scopes.Where(s => s.StartsWith("include:", StringComparison.Ordinal)))
        {
            if (!PermissionSet.TryParseInclude(include, out var nsid, out _))
            {
                throw new OAuthException("invalid_scope", $"scope {include} is not a valid permission set reference");
            }

            if (await permissionSets.ResolveAsync(nsid, cancellationToken).ConfigureAwait(false) is null)
            {
                throw new OAuthException("invalid_scope", $"the permission set {nsid} could not be resolved");
            }
        }

        var responseMode = form.GetValueOrDefault("response_mode") ?? "query";
        if (responseMode is not ("query" or "fragment"))
        {
            throw OAuthException.InvalidRequest("response_mode must be query or fragment");
        }

        if (form.GetValueOrDefault("dpop_jkt") is { } boundJkt && boundJkt != jkt)
        {
            throw OAuthException.InvalidRequest("dpop_jkt does not match the DPoP proof's key");
        }

        var prompt = form.GetValueOrDefault("prompt");
        if (prompt is not (null or "login" or "consent" or "select_account" or "none"))
        {
            throw OAuthException.InvalidRequest("unsupported prompt");
        }

        if (prompt == "none")
        {
            throw new OAuthException("login_required", "interaction is required to authorize this request");
        }

        if (!await replay.TryUseAsync("pkce:" + form["code_challenge"], TimeSpan.FromDays(1), cancellationToken).ConfigureAwait(false))
        {
            throw OAuthException.InvalidRequest("code_challenge was used before");
        }

        var id = OAuthAccessTokens.NewId("req-");
        await store.CreateRequestAsync(
            new OAuthAuthorizationRequest
            {
                Id = id,
                ClientId = client.ClientId,
                ClientAuth = auth,
                RedirectUri = redirect,
                Scope = string.Join(' ', scopes.Distinct(StringComparer.Ordinal)),
                State = state,
                CodeChallenge = form["code_challenge"],
                ResponseMode = responseMode,
                LoginHint = form.GetValueOrDefault("login_hint"),
                Prompt = prompt,
                DpopJkt = jkt,
                ExpiresAt = clock.GetUtcNow().UtcDateTime + settings.RequestLifetime,
            },
            cancellationToken).ConfigureAwait(false);
        return (RequestUriPrefix + id, (int)settings.RequestLifetime.TotalSeconds - 1);
    }

    /// <summary>The pending request named by a <c>request_uri</c>, for the authorization pages.</summary>
    public async Task<(OAuthAuthorizationRequest Request, OAuthClient Client)> OpenRequestAsync(string? clientId, string? requestUri, string deviceId, CancellationToken cancellationToken)
    {
        if (requestUri is null || !requestUri.StartsWith(RequestUriPrefix, StringComparison.Ordinal))
        {
            throw OAuthException.InvalidRequest("This server requires pushed authorization requests (request_uri)");
        }

        var request = await store.GetRequestAsync(requestUri[RequestUriPrefix.Length..], cancellationToken).ConfigureAwait(false);
        if (request is null || request.ExpiresAt < clock.GetUtcNow().UtcDateTime || request.CodeHash is not null)
        {
            throw OAuthException.InvalidRequest("This authorization request has expired or was already used; start again from the app");
        }

        if (request.ClientId != clientId)
        {
            throw OAuthException.InvalidRequest("client_id does not match the authorization request");
        }

        if (request.DeviceId is null)
        {
            request = request with { DeviceId = deviceId };
            await store.UpdateRequestAsync(request, cancellationToken).ConfigureAwait(false);
        }
        else if (request.DeviceId != deviceId)
        {
            throw new OAuthException("access_denied", "This authorization request was opened in another browser");
        }

        var client = await clients.ResolveAsync(request.ClientId, cancellationToken).ConfigureAwait(false);
        return (request, client);
    }

    public Task ChooseAccountAsync(OAuthAuthorizationRequest request, string did, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return store.UpdateRequestAsync(request with { Did = did }, cancellationToken);
    }

    /// <summary>The user approved: issues the code and returns the redirect back to the client.</summary>
    public async Task<Uri> ApproveAsync(OAuthAuthorizationRequest request, IReadOnlyCollection<string> grantedScopes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(grantedScopes);
        if (request.Did is null)
        {
            throw OAuthException.InvalidRequest("no account was chosen");
        }

        var requested = request.Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var granted = requested.Where(s => s == "atproto" || grantedScopes.Contains(s)).ToList();
        var code = OAuthAccessTokens.NewSecret("cod-");
        await store.UpdateRequestAsync(
            request with
            {
                CodeHash = OAuthAccessTokens.Hash(code),
                GrantedScope = string.Join(' ', granted),
                ExpiresAt = clock.GetUtcNow().UtcDateTime + settings.CodeLifetime,
            },
            cancellationToken).ConfigureAwait(false);
        await store.SaveConsentAsync(request.Did, request.ClientId, string.Join(' ', granted), cancellationToken).ConfigureAwait(false);
        return Redirect(request, [("code", code)]);
    }

    /// <summary>The user refused (or the request cannot proceed): the client learns why.</summary>
    public async Task<Uri> DenyAsync(OAuthAuthorizationRequest request, string error, string description, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await store.DeleteRequestAsync(request.Id, cancellationToken).ConfigureAwait(false);
        return Redirect(request, [("error", error), ("error_description", description)]);
    }

    private Uri Redirect(OAuthAuthorizationRequest request, IEnumerable<(string Key, string Value)> values)
    {
        var parameters = values.Append(("state", request.State)).Append(("iss", settings.Issuer))
            .Select(p => Uri.EscapeDataString(p.Item1) + "=" + Uri.EscapeDataString(p.Item2));
        var encoded = string.Join('&', parameters);
        var target = request.RedirectUri;
        if (request.ResponseMode == "fragment")
        {
            return new Uri(target + "#" + encoded);
        }

        return new Uri(target + (target.Contains('?', StringComparison.Ordinal) ? "&" : "?") + encoded);
    }

    /// <summary>The token endpoint: authorization_code and refresh_token grants.</summary>
    public async Task<OAuthTokenResponse> TokenAsync(OAuthHttpRequest http, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        var jkt = await VerifyDpopAsync(http, cancellationToken).ConfigureAwait(false);
        var (client, auth) = await AuthenticateClientAsync(http.Form, cancellationToken).ConfigureAwait(false);
        return http.Form.GetValueOrDefault("grant_type") switch
        {
            "authorization_code" => await RedeemCodeAsync(http.Form, client, auth, jkt, cancellationToken).ConfigureAwait(false),
            "refresh_token" when client.AllowsRefresh => await RefreshAsync(http.Form, client, auth, jkt, cancellationToken).ConfigureAwait(false),
            "refresh_token" => throw new OAuthException("unauthorized_client", "this client did not register the refresh_token grant"),
            _ => throw new OAuthException("unsupported_grant_type", "grant_type must be authorization_code or refresh_token"),
        };
    }

    private async Task<OAuthTokenResponse> RedeemCodeAsync(IReadOnlyDictionary<string, string> form, OAuthClient client, ClientAuth auth, string jkt, CancellationToken cancellationToken)
    {
        var code = form.GetValueOrDefault("code");
        if (string.IsNullOrEmpty(code))
        {
            throw OAuthException.InvalidRequest("code is required");
        }

        var codeHash = OAuthAccessTokens.Hash(code);
        var request = await store.TakeRequestByCodeAsync(codeHash, cancellationToken).ConfigureAwait(false);
        if (request is null)
        {
            // A code presented twice: whatever the first use obtained is revoked (RFC 9700 section 4.5).
            if (await store.GetSessionByCodeHashAsync(codeHash, cancellationToken).ConfigureAwait(false) is { } issued)
            {
                await store.DeleteSessionAsync(issued.Id, cancellationToken).ConfigureAwait(false);
            }

            throw OAuthException.InvalidGrant("Invalid code");
        }

        if (request.ExpiresAt < clock.GetUtcNow().UtcDateTime)
        {
            throw OAuthException.InvalidGrant("Code expired");
        }

        if (request.ClientId != client.ClientId || !SameClientAuth(request.ClientAuth, auth))
        {
            throw OAuthException.InvalidGrant("This code was issued to another client or client key");
        }

        if (form.GetValueOrDefault("redirect_uri") != request.RedirectUri)
        {
            throw OAuthException.InvalidGrant("redirect_uri does not match the authorization request");
        }

        if (request.DpopJkt is not null && request.DpopJkt != jkt)
        {
            throw OAuthException.InvalidGrant("DPoP key does not match the authorization request");
        }

        if (!Pkce.Verify(form.GetValueOrDefault("code_verifier"), request.CodeChallenge))
        {
            throw OAuthException.InvalidGrant("Invalid code_verifier");
        }

        var did = request.Did!;
        // Authorizing a client again replaces the sessions it held for this account.
        await store.DeleteSessionsAsync(did, client.ClientId, cancellationToken).ConfigureAwait(false);
        var now = clock.GetUtcNow().UtcDateTime;
        var refresh = client.AllowsRefresh ? OAuthAccessTokens.NewSecret("ref-") : null;
        var session = new OAuthSession
        {
            Id = OAuthAccessTokens.NewId("ses-"),
            TokenId = OAuthAccessTokens.NewId("tok-"),
            Did = did,
            ClientId = client.ClientId,
            ClientAuth = auth,
            DpopJkt = jkt,
            Scope = await CompileScopeAsync(request.GrantedScope ?? "atproto", cancellationToken).ConfigureAwait(false),
            CodeHash = codeHash,
            RefreshHash = refresh is null ? null : OAuthAccessTokens.Hash(refresh),
            CreatedAt = now,
            UpdatedAt = now,
            AccessExpiresAt = now + settings.AccessTokenLifetime,
            RefreshExpiresAt = now + (auth.IsConfidential ? settings.ConfidentialRefreshLifetime : settings.PublicSessionLifetime),
            SessionExpiresAt = auth.IsConfidential ? null : now + settings.PublicSessionLifetime,
        };
        await store.CreateSessionAsync(session, cancellationToken).ConfigureAwait(false);
        return Respond(session, refresh);
    }

    private async Task<OAuthTokenResponse> RefreshAsync(IReadOnlyDictionary<string, string> form, OAuthClient client, ClientAuth auth, string jkt, CancellationToken cancellationToken)
    {
        var refresh = form.GetValueOrDefault("refresh_token");
        if (string.IsNullOrEmpty(refresh))
        {
            throw OAuthException.InvalidRequest("refresh_token is required");
        }

        var hash = OAuthAccessTokens.Hash(refresh);
        var session = await store.GetSessionByRefreshHashAsync(hash, cancellationToken).ConfigureAwait(false);
        if (session is null)
        {
            // A refresh token that was already rotated away: someone holds a copy. End the session.
            if (await store.FindSessionByUsedRefreshAsync(hash, cancellationToken).ConfigureAwait(false) is { } reused)
            {
                await store.DeleteSessionAsync(reused, cancellationToken).ConfigureAwait(false);
                throw OAuthException.InvalidGrant("Refresh token replayed; the session has been revoked");
            }

            throw OAuthException.InvalidGrant("Invalid refresh token");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (session.ClientId != client.ClientId || !SameClientAuth(session.ClientAuth, auth))
        {
            throw OAuthException.InvalidGrant("This refresh token was issued to another client or client key");
        }

        if (session.DpopJkt != jkt)
        {
            throw OAuthException.InvalidGrant("DPoP key does not match the session");
        }

        if (session.RefreshExpiresAt < now || session.SessionExpiresAt < now)
        {
            await store.DeleteSessionAsync(session.Id, cancellationToken).ConfigureAwait(false);
            throw OAuthException.InvalidGrant("Refresh token expired");
        }

        var next = OAuthAccessTokens.NewSecret("ref-");
        var rotated = session with
        {
            TokenId = OAuthAccessTokens.NewId("tok-"),
            RefreshHash = OAuthAccessTokens.Hash(next),
            UpdatedAt = now,
            AccessExpiresAt = now + settings.AccessTokenLifetime,
            RefreshExpiresAt = session.ClientAuth.IsConfidential ? now + settings.ConfidentialRefreshLifetime : session.RefreshExpiresAt,
        };
        if (!await store.RotateAsync(rotated, hash, cancellationToken).ConfigureAwait(false))
        {
            await store.DeleteSessionAsync(session.Id, cancellationToken).ConfigureAwait(false);
            throw OAuthException.InvalidGrant("Refresh token replayed; the session has been revoked");
        }

        return Respond(rotated, next);
    }

    /// <summary>
    /// The token scope for a grant: the granted scopes, plus the permissions each granted
    /// <c>include:</c> set expands to when the session starts. The session keeps them fixed.
    /// </summary>
    private async Task<string> CompileScopeAsync(string granted, CancellationToken cancellationToken)
    {
        var scopes = granted.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        foreach (var include in scopes.Where(s => s.StartsWith("include:", StringComparison.Ordinal)).ToList())
        {
            if (PermissionSet.TryParseInclude(include, out var nsid, out var aud)
                && await permissionSets.ResolveAsync(nsid, cancellationToken).ConfigureAwait(false) is { } set)
            {
                scopes.AddRange(set.Expand(aud));
            }
        }

        return string.Join(' ', scopes.Distinct(StringComparer.Ordinal));
    }

    private OAuthTokenResponse Respond(OAuthSession session, string? refresh)
    {
        var issuedAt = new DateTimeOffset(session.UpdatedAt, TimeSpan.Zero);
        var expiresAt = new DateTimeOffset(session.AccessExpiresAt, TimeSpan.Zero);
        var token = accessTokens.Issue(new OAuthAccessClaims(session.Did, session.TokenId, session.ClientId, session.Scope, session.DpopJkt, expiresAt, issuedAt));
        return new OAuthTokenResponse(token, "DPoP", (long)settings.AccessTokenLifetime.TotalSeconds, refresh, session.Scope, session.Did);
    }

    private static bool SameClientAuth(ClientAuth issued, ClientAuth presented) =>
        issued.Method == presented.Method && issued.Kid == presented.Kid && issued.Alg == presented.Alg && issued.Jkt == presented.Jkt;

    /// <summary>RFC 7009: ends the session a refresh or access token belongs to. Unknown tokens are not an error.</summary>
    public async Task RevokeAsync(string? token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token))
        {
            throw OAuthException.InvalidRequest("token is required");
        }

        var session = await FindSessionAsync(token, cancellationToken).ConfigureAwait(false);
        if (session is not null)
        {
            await store.DeleteSessionAsync(session.Id, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>RFC 7662, for the client the token was issued to.</summary>
    public async Task<IReadOnlyDictionary<string, object>> IntrospectAsync(IReadOnlyDictionary<string, string> form, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(form);
        var (client, _) = await AuthenticateClientAsync(form, cancellationToken).ConfigureAwait(false);
        var token = form.GetValueOrDefault("token");
        var session = string.IsNullOrEmpty(token) ? null : await FindSessionAsync(token, cancellationToken).ConfigureAwait(false);
        var now = clock.GetUtcNow().UtcDateTime;
        if (session is null || session.ClientId != client.ClientId || session.SessionExpiresAt < now)
        {
            return new Dictionary<string, object> { ["active"] = false };
        }

        var isRefresh = token!.StartsWith("ref-", StringComparison.Ordinal);
        if (!isRefresh && session.AccessExpiresAt < now)
        {
            return new Dictionary<string, object> { ["active"] = false };
        }

        return new Dictionary<string, object>
        {
            ["active"] = true,
            ["scope"] = session.Scope,
            ["client_id"] = session.ClientId,
            ["sub"] = session.Did,
            ["iss"] = settings.Issuer,
            ["aud"] = settings.Audience,
            ["token_type"] = isRefresh ? "refresh_token" : "DPoP",
            ["iat"] = new DateTimeOffset(session.UpdatedAt, TimeSpan.Zero).ToUnixTimeSeconds(),
            ["exp"] = new DateTimeOffset(isRefresh ? session.RefreshExpiresAt : session.AccessExpiresAt, TimeSpan.Zero).ToUnixTimeSeconds(),
            ["cnf"] = new Dictionary<string, string> { ["jkt"] = session.DpopJkt },
        };
    }

    private async Task<OAuthSession?> FindSessionAsync(string token, CancellationToken cancellationToken)
    {
        if (token.StartsWith("ref-", StringComparison.Ordinal))
        {
            return await store.GetSessionByRefreshHashAsync(OAuthAccessTokens.Hash(token), cancellationToken).ConfigureAwait(false);
        }

        var claims = accessTokens.Verify(token, clock.GetUtcNow());
        return claims is null ? null : await store.GetSessionByTokenIdAsync(claims.TokenId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The resource server's check of <c>Authorization: DPoP &lt;token&gt;</c>: token signature,
    /// audience and expiry; the proof's key, method, URL, token hash, nonce and freshness; and that
    /// the session still exists with this token.
    /// </summary>
    public async Task<(OAuthSession Session, OAuthAccessClaims Claims)> VerifyResourceRequestAsync(string token, string method, Uri url, string? dpopProof, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var claims = accessTokens.Verify(token, now);
        if (claims is null)
        {
            throw accessTokens.IsExpired(token, now)
                ? new OAuthException("invalid_token", "\"exp\" claim timestamp check failed", 401)
                : new OAuthException("invalid_token", "Invalid token", 401);
        }

        if (string.IsNullOrEmpty(dpopProof))
        {
            throw new OAuthException("invalid_dpop_proof", "DPoP proof required", 401);
        }

        var failure = DpopProof.Verify(dpopProof, method, url, token, now, out var proof);
        if (failure != DpopFailure.None)
        {
            throw new OAuthException("invalid_dpop_proof", "Invalid DPoP proof: " + failure, 401);
        }

        if (!nonces.IsValid(proof!.Nonce))
        {
            throw new OAuthException("use_dpop_nonce", "Resource server requires nonce in DPoP proof", 401);
        }

        if (proof.Jkt != claims.Jkt)
        {
            throw new OAuthException("invalid_dpop_key_binding", "DPoP key does not match the token", 401);
        }

        if (!await replay.TryUseAsync("dpop:" + proof.Jkt + ":" + proof.Jti, DpopProof.MaxClockSkew * 2, cancellationToken).ConfigureAwait(false))
        {
            throw new OAuthException("invalid_dpop_proof", "DPoP proof replayed", 401);
        }

        var session = await store.GetSessionByTokenIdAsync(claims.TokenId, cancellationToken).ConfigureAwait(false);
        if (session is null || session.SessionExpiresAt < now.UtcDateTime)
        {
            throw new OAuthException("invalid_token", "Token has been revoked", 401);
        }

        return (session, claims);
    }
}
