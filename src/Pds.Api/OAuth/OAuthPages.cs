using Pds.Domain.OAuth;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Application.OAuth;
using Pds.Domain.Auth;

namespace Pds.Api.OAuth;

/// <summary>
/// The authorization interface: sign in, choose among the accounts signed in on this browser, and
/// approve or refuse a client's request scope by scope. Plain server-rendered HTML forms; a device
/// cookie identifies the browser and a double-submit cookie guards every form against CSRF.
/// </summary>
internal static class OAuthPages
{
    private const string DeviceCookie = "pds-device";
    private const string CsrfCookie = "pds-csrf";
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    public static void MapOAuthPages(this IEndpointRouteBuilder app)
    {
        app.MapGet(OAuthEndpoints.AuthorizePath, ShowAsync);
        app.MapPost(OAuthEndpoints.AuthorizePath + "/sign-in", SignInAsync).DisableAntiforgery();
        app.MapPost(OAuthEndpoints.AuthorizePath + "/select", SelectAsync).DisableAntiforgery();
        app.MapPost(OAuthEndpoints.AuthorizePath + "/accept", AcceptAsync).DisableAntiforgery();
        app.MapPost(OAuthEndpoints.AuthorizePath + "/reject", RejectAsync).DisableAntiforgery();
    }

    private static async Task<IResult> ShowAsync(HttpContext http, OAuthProvider provider, IOAuthStore store, IAccountStore accounts, OAuthSettings settings)
    {
        var clientId = http.Request.Query["client_id"].ToString();
        var requestUri = http.Request.Query["request_uri"].ToString();
        var device = DeviceId(http, settings);
        var csrf = Csrf(http, settings);
        OAuthAuthorizationRequest request;
        OAuthClient client;
        try
        {
            (request, client) = await provider.OpenRequestAsync(clientId, requestUri, device, http.RequestAborted).ConfigureAwait(false);
        }
        catch (OAuthException e)
        {
            return Page("Authorization failed", $"<p class=\"error\">{Html.Encode(e.Message)}</p>", 400);
        }

        var signedIn = await store.ListDeviceAccountsAsync(device, http.RequestAborted).ConfigureAwait(false);
        var choices = new List<AccountInfo>();
        foreach (var entry in signedIn)
        {
            if (await accounts.GetByDidAsync(entry.Did, http.RequestAborted).ConfigureAwait(false) is { IsTakendown: false } account)
            {
                choices.Add(account);
            }
        }

        // A login hint names the only account this request may be approved for.
        AccountInfo? hinted = null;
        if (request.LoginHint is { Length: > 0 } hint)
        {
            hinted = choices.FirstOrDefault(a => a.Did == hint || string.Equals(a.Handle, hint.TrimStart('@'), StringComparison.OrdinalIgnoreCase));
            choices = hinted is null ? [] : [hinted];
        }

        var view = http.Request.Query["view"].ToString();
        var chosen = request.Did is { } did ? choices.FirstOrDefault(a => a.Did == did) : null;
        if (chosen is null && hinted is not null && request.Prompt is not ("login" or "select_account") && view != "login")
        {
            await provider.ChooseAccountAsync(request, hinted.Did, http.RequestAborted).ConfigureAwait(false);
            request = request with { Did = hinted.Did };
            chosen = hinted;
        }

        if (chosen is not null && view != "login")
        {
            var remembered = await store.GetConsentAsync(chosen.Did, client.ClientId, http.RequestAborted).ConfigureAwait(false);
            var requested = request.Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var covered = remembered is not null && requested.All(s => remembered.Split(' ').Contains(s));
            // Silent approval only for confidential clients the user already approved these scopes for.
            if (covered && client.IsConfidential && request.Prompt != "consent")
            {
                return Results.Redirect((await provider.ApproveAsync(request, requested, http.RequestAborted).ConfigureAwait(false)).ToString(), permanent: false);
            }

            var sets = await ResolveSetsAsync(http, request.Scope).ConfigureAwait(false);
            return Page("Authorize " + ClientLabel(client), ConsentForm(request, client, chosen, csrf, remembered, sets));
        }

        if (choices.Count > 0 && view != "login" && request.Prompt != "login")
        {
            return Page("Choose an account", ChooserForm(request, client, choices, csrf));
        }

        return Page("Sign in", LoginForm(request, client, csrf, request.LoginHint, null));
    }

    private static async Task<IResult> SignInAsync(HttpContext http, OAuthProvider provider, IOAuthStore store, OAuthSignIn signIn, OAuthSettings settings)
    {
        var (form, request, client, device, error) = await OpenAsync(http, provider, settings).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        var identifier = form["identifier"].ToString();
        var (did, failure) = await signIn.SignInAsync(identifier, form["password"].ToString(), http.RequestAborted).ConfigureAwait(false);
        if (did is not null && request!.LoginHint is { Length: > 0 } hint)
        {
            var hinted = await signIn.FindAsync(hint.TrimStart('@'), http.RequestAborted).ConfigureAwait(false);
            if (hinted?.Did != did)
            {
                (did, failure) = (null, "This app asked to sign in as " + hint + ".");
            }
        }

        if (did is null)
        {
            return Page("Sign in", LoginForm(request!, client!, Csrf(http, settings), identifier, failure), 401);
        }

        await store.AddDeviceAccountAsync(device!, did, http.RequestAborted).ConfigureAwait(false);
        await provider.ChooseAccountAsync(request!, did, http.RequestAborted).ConfigureAwait(false);
        return Results.Redirect(AuthorizeUrl(request!), permanent: false, preserveMethod: false);
    }

    private static async Task<IResult> SelectAsync(HttpContext http, OAuthProvider provider, IOAuthStore store, OAuthSettings settings)
    {
        var (form, request, _, device, error) = await OpenAsync(http, provider, settings).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        var did = form["did"].ToString();
        var signedIn = await store.ListDeviceAccountsAsync(device!, http.RequestAborted).ConfigureAwait(false);
        if (!signedIn.Any(a => a.Did == did))
        {
            return Page("Authorization failed", "<p class=\"error\">That account is not signed in on this browser.</p>", 400);
        }

        await provider.ChooseAccountAsync(request!, did, http.RequestAborted).ConfigureAwait(false);
        return Results.Redirect(AuthorizeUrl(request!), permanent: false, preserveMethod: false);
    }

    private static async Task<IResult> AcceptAsync(HttpContext http, OAuthProvider provider, IOAuthStore store, OAuthSettings settings)
    {
        var (form, request, _, device, error) = await OpenAsync(http, provider, settings).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        var signedIn = await store.ListDeviceAccountsAsync(device!, http.RequestAborted).ConfigureAwait(false);
        if (request!.Did is null || !signedIn.Any(a => a.Did == request.Did))
        {
            return Page("Authorization failed", "<p class=\"error\">Sign in first.</p>", 400);
        }

        var granted = form["scope"].Where(s => s is not null).Select(s => s!).ToList();
        var redirect = await provider.ApproveAsync(request, granted, http.RequestAborted).ConfigureAwait(false);
        return Results.Redirect(redirect.ToString(), permanent: false, preserveMethod: false);
    }

    private static async Task<IResult> RejectAsync(HttpContext http, OAuthProvider provider, OAuthSettings settings)
    {
        var (_, request, _, _, error) = await OpenAsync(http, provider, settings).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        var redirect = await provider.DenyAsync(request!, "access_denied", "The user denied the request", http.RequestAborted).ConfigureAwait(false);
        return Results.Redirect(redirect.ToString(), permanent: false, preserveMethod: false);
    }

    /// <summary>Reads a posted form, checks its origin and CSRF token, and reopens its request.</summary>
    private static async Task<(IFormCollection Form, OAuthAuthorizationRequest? Request, OAuthClient? Client, string? Device, IResult? Error)> OpenAsync(
        HttpContext http, OAuthProvider provider, OAuthSettings settings)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        var origin = http.Request.Headers.Origin.ToString();
        var csrfCookie = http.Request.Cookies[CsrfCookie];
        if (origin.Length > 0 && origin != settings.Issuer || string.IsNullOrEmpty(csrfCookie) || !ConstantTime.SecretEquals(form["csrf"].ToString(), csrfCookie))
        {
            return (form, null, null, null, Page("Authorization failed", "<p class=\"error\">This form expired or did not come from this page; go back to the app and start again.</p>", 403));
        }

        var device = http.Request.Cookies[DeviceCookie];
        if (string.IsNullOrEmpty(device))
        {
            return (form, null, null, null, Page("Authorization failed", "<p class=\"error\">Cookies are needed to sign in.</p>", 400));
        }

        try
        {
            var (request, client) = await provider.OpenRequestAsync(form["client_id"].ToString(), form["request_uri"].ToString(), device, http.RequestAborted).ConfigureAwait(false);
            return (form, request, client, device, null);
        }
        catch (OAuthException e)
        {
            return (form, null, null, device, Page("Authorization failed", $"<p class=\"error\">{Html.Encode(e.Message)}</p>", 400));
        }
    }

    private static string AuthorizeUrl(OAuthAuthorizationRequest request) =>
        $"{OAuthEndpoints.AuthorizePath}?client_id={Uri.EscapeDataString(request.ClientId)}&request_uri={Uri.EscapeDataString(OAuthProvider.RequestUriPrefix + request.Id)}";

    private static string DeviceId(HttpContext http, OAuthSettings settings) =>
        Cookie(http, settings, DeviceCookie, TimeSpan.FromDays(365), "dev-");

    private static string Csrf(HttpContext http, OAuthSettings settings) =>
        Cookie(http, settings, CsrfCookie, TimeSpan.FromDays(1), "csrf-");

    private static string Cookie(HttpContext http, OAuthSettings settings, string name, TimeSpan lifetime, string prefix)
    {
        var value = http.Request.Cookies[name];
        if (value is { Length: > 10 and < 100 })
        {
            return value;
        }

        value = prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        http.Response.Cookies.Append(name, value, new CookieOptions
        {
            HttpOnly = true,
            Secure = settings.Issuer.StartsWith("https:", StringComparison.Ordinal),
            SameSite = SameSiteMode.Lax,
            Path = "/oauth",
            MaxAge = lifetime,
        });
        return value;
    }

    private static string Hidden(OAuthAuthorizationRequest request, string csrf) =>
        $"<input type=\"hidden\" name=\"client_id\" value=\"{Html.Encode(request.ClientId)}\">" +
        $"<input type=\"hidden\" name=\"request_uri\" value=\"{Html.Encode(OAuthProvider.RequestUriPrefix + request.Id)}\">" +
        $"<input type=\"hidden\" name=\"csrf\" value=\"{Html.Encode(csrf)}\">";

    private static string ClientLabel(OAuthClient client) =>
        client.IsLoopback ? "a development app" : new Uri(client.ClientId).Host;

    private static string ClientBlock(OAuthClient client) =>
        $"<p class=\"client\"><span id=\"client-name\">{Html.Encode(ClientLabel(client))}</span><br><code id=\"client-id\">{Html.Encode(client.ClientId)}</code></p>";

    private static string LoginForm(OAuthAuthorizationRequest request, OAuthClient client, string csrf, string? identifier, string? error) =>
        ClientBlock(client) +
        "<p>wants to access your account. Sign in to continue.</p>" +
        (error is null ? string.Empty : $"<p class=\"error\" role=\"alert\" id=\"sign-in-error\">{Html.Encode(error)}</p>") +
        $"<form method=\"post\" action=\"{OAuthEndpoints.AuthorizePath}/sign-in\">{Hidden(request, csrf)}" +
        $"<label>Handle or email<input id=\"identifier\" name=\"identifier\" autocomplete=\"username\" required value=\"{Html.Encode(identifier ?? string.Empty)}\"></label>" +
        "<label>Password<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>" +
        "<button id=\"sign-in\" type=\"submit\">Sign in</button></form>" +
        $"<form method=\"post\" action=\"{OAuthEndpoints.AuthorizePath}/reject\">{Hidden(request, csrf)}<button id=\"cancel\" class=\"secondary\" type=\"submit\">Cancel</button></form>";

    private static string ChooserForm(OAuthAuthorizationRequest request, OAuthClient client, IReadOnlyList<AccountInfo> accounts, string csrf)
    {
        var builder = new StringBuilder(ClientBlock(client)).Append("<p>wants to access your account. Which account?</p><ul class=\"accounts\">");
        foreach (var account in accounts)
        {
            builder.Append($"<li><form method=\"post\" action=\"{OAuthEndpoints.AuthorizePath}/select\">{Hidden(request, csrf)}")
                .Append($"<input type=\"hidden\" name=\"did\" value=\"{Html.Encode(account.Did)}\">")
                .Append($"<button type=\"submit\" class=\"account\" data-did=\"{Html.Encode(account.Did)}\">@{Html.Encode(account.Handle ?? account.Did)}</button></form></li>");
        }

        return builder.Append("</ul>")
            .Append($"<p><a id=\"another-account\" href=\"{Html.Encode(AuthorizeUrl(request))}&amp;view=login\">Use another account</a></p>")
            .ToString();
    }

    /// <summary>The permission sets a request includes, resolved (from the cache, normally) to show what they grant.</summary>
    private static async Task<Dictionary<string, PermissionSet>> ResolveSetsAsync(HttpContext http, string scope)
    {
        var resolver = http.RequestServices.GetRequiredService<IPermissionSetResolver>();
        var sets = new Dictionary<string, PermissionSet>(StringComparer.Ordinal);
        foreach (var include in scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(s => s.StartsWith("include:", StringComparison.Ordinal)))
        {
            if (PermissionSet.TryParseInclude(include, out var nsid, out _)
                && await resolver.ResolveAsync(nsid, http.RequestAborted).ConfigureAwait(false) is { } set)
            {
                sets[include] = set;
            }
        }

        return sets;
    }

    private static string ConsentForm(OAuthAuthorizationRequest request, OAuthClient client, AccountInfo account, string csrf, string? remembered, IReadOnlyDictionary<string, PermissionSet> sets)
    {
        var builder = new StringBuilder(ClientBlock(client))
            .Append($"<p>wants to access <strong id=\"account\">@{Html.Encode(account.Handle ?? account.Did)}</strong>")
            .Append($" (<a href=\"{Html.Encode(AuthorizeUrl(request))}&amp;view=login\">not you?</a>)</p>");
        if (!client.IsConfidential)
        {
            builder.Append("<p class=\"note\">This app's name and details could not be verified. Only continue if you trust the address above.</p>");
        }

        builder.Append($"<form method=\"post\" action=\"{OAuthEndpoints.AuthorizePath}/accept\">{Hidden(request, csrf)}<fieldset><legend>It asks to:</legend><ul class=\"scopes\">")
            .Append("<li><label><input type=\"checkbox\" checked disabled> Confirm who you are (your DID and handle)</label></li>");
        var previously = remembered?.Split(' ').ToHashSet(StringComparer.Ordinal);
        foreach (var scope in request.Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(s => s != "atproto"))
        {
            var isChecked = previously is null || previously.Contains(scope);
            builder.Append("<li><label><input type=\"checkbox\" name=\"scope\" value=\"").Append(Html.Encode(scope)).Append('"')
                .Append(isChecked ? " checked" : string.Empty).Append("> ");
            if (sets.TryGetValue(scope, out var set) && PermissionSet.TryParseInclude(scope, out _, out var aud))
            {
                // A permission set: its author's title and summary, and what it expands to, spelled out.
                builder.Append("<strong class=\"set-title\">").Append(Html.Encode(set.Title ?? set.Nsid)).Append("</strong>");
                if (set.Detail is { Length: > 0 } detail)
                {
                    builder.Append(": ").Append(Html.Encode(detail));
                }

                builder.Append(" <code>").Append(Html.Encode(scope)).Append("</code></label><details><summary>What this includes</summary><ul class=\"set-permissions\">");
                foreach (var granted in set.Expand(aud))
                {
                    builder.Append("<li>").Append(Html.Encode(ScopeDescriptions.Describe(granted))).Append(" <code>").Append(Html.Encode(granted)).Append("</code></li>");
                }

                builder.Append("</ul></details></li>");
                continue;
            }

            builder.Append(Html.Encode(ScopeDescriptions.Describe(scope)))
                .Append(" <code>").Append(Html.Encode(scope)).Append("</code></label></li>");
        }

        builder.Append("</ul></fieldset><button id=\"accept\" type=\"submit\">Allow</button></form>")
            .Append($"<form method=\"post\" action=\"{OAuthEndpoints.AuthorizePath}/reject\">{Hidden(request, csrf)}<button id=\"reject\" class=\"secondary\" type=\"submit\">Deny</button></form>");
        return builder.ToString();
    }

    private static IResult Page(string title, string body, int status = 200)
    {
        var html = $$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="referrer" content="same-origin"><title>{{Html.Encode(title)}}</title>
            <style>
            body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#111}
            h1{font-size:1.4rem}label{display:block;margin:.6rem 0}input:not([type=checkbox]){display:block;width:100%;padding:.5rem;margin-top:.2rem;box-sizing:border-box}
            button{padding:.55rem 1.1rem;margin:.6rem .4rem .2rem 0;border-radius:.4rem;border:1px solid #0560ff;background:#0560ff;color:#fff;cursor:pointer}
            button.secondary{background:#fff;color:#0560ff}.error{color:#b00020}.note{color:#8a5a00;font-size:.9rem}
            .client code{font-size:.8rem;color:#555}ul{list-style:none;padding:0}fieldset{border:1px solid #ddd;border-radius:.4rem}
            </style></head>
            <body><h1>{{Html.Encode(title)}}</h1>{{body}}</body></html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);
    }
}

/// <summary>Plain words for the scopes a client may ask for.</summary>
internal static class ScopeDescriptions
{
    public static string Describe(string scope) => scope switch
    {
        "transition:generic" => "Act for you in apps: create, change and delete your posts and other records, upload media, and use app services on your behalf (not direct messages, not account settings)",
        "transition:chat.bsky" => "Read and send your direct messages",
        "transition:email" => "See your email address",
        _ => Granular(scope),
    };

    private static string Granular(string scope)
    {
        var colon = scope.IndexOfAny([':', '?']);
        var resource = colon < 0 ? scope : scope[..colon];
        return resource switch
        {
            "repo" => "Change records in your repository",
            "blob" => "Upload media files",
            "rpc" => "Call services on your behalf",
            "account" => "Access your account settings",
            "identity" => "Change your handle or identity",
            "include" => "A set of permissions",
            _ => "Permission",
        };
    }
}
