using System.Text;

namespace Pds.Domain.OAuth;

public enum RepoAction
{
    Create,
    Update,
    Delete,
}

/// <summary>
/// One permission scope string parsed per the permission specification's syntax:
/// <c>resource[:positional][?name=value&amp;...]</c>, percent-decoded, repeated names as arrays.
/// </summary>
public sealed record ScopeString(string Resource, string? Positional, IReadOnlyDictionary<string, IReadOnlyList<string>> Parameters)
{
    public static bool TryParse(string? scope, out ScopeString parsed)
    {
        parsed = null!;
        if (string.IsNullOrEmpty(scope) || scope.Length > 2048 || scope.Any(c => c <= ' ' || c > '~'))
        {
            return false;
        }

        var query = scope.IndexOf('?', StringComparison.Ordinal);
        var head = query < 0 ? scope : scope[..query];
        var colon = head.IndexOf(':', StringComparison.Ordinal);
        var resource = colon < 0 ? head : head[..colon];
        if (resource.Length == 0 || !resource.All(char.IsAsciiLetterLower))
        {
            return false;
        }

        string? positional = null;
        if (colon >= 0)
        {
            if (!TryDecode(head[(colon + 1)..], out positional) || positional.Length == 0)
            {
                return false;
            }
        }

        var parameters = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (query >= 0)
        {
            foreach (var pair in scope[(query + 1)..].Split('&'))
            {
                if (pair.Length == 0)
                {
                    continue;
                }

                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0 || !TryDecode(pair[..eq], out var name) || !TryDecode(pair[(eq + 1)..], out var value) || value.Length == 0)
                {
                    return false;
                }

                if (!parameters.TryGetValue(name, out var list))
                {
                    parameters[name] = list = [];
                }

                list.Add(value);
            }
        }

        parsed = new ScopeString(resource, positional, parameters.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value, StringComparer.Ordinal));
        return true;
    }

    /// <summary>The values of a parameter that may also be given in the positional part (never both).</summary>
    public IReadOnlyList<string>? Values(string name, bool positional)
    {
        var named = Parameters.GetValueOrDefault(name);
        if (positional && Positional is not null)
        {
            return named is null ? [Positional] : null;
        }

        return named ?? [];
    }

    private static bool TryDecode(string text, out string decoded)
    {
        decoded = string.Empty;
        try
        {
            decoded = Uri.UnescapeDataString(text);
            return Encoding.UTF8.GetByteCount(decoded) == decoded.Length || !decoded.Any(char.IsControl);
        }
        catch (UriFormatException)
        {
            return false;
        }
    }
}

/// <summary>
/// What an OAuth grant allows, from its scope string: the transitional scopes and the granular
/// <c>repo</c>, <c>blob</c>, <c>rpc</c>, <c>account</c> and <c>identity</c> permissions. Scope values
/// that are unknown or invalid grant nothing. Without <c>atproto</c> nothing is granted.
/// </summary>
public sealed class ScopePermissions
{
    private readonly List<(HashSet<string> Collections, HashSet<RepoAction> Actions)> _repo = [];
    private readonly List<string> _blobAccept = [];
    private readonly List<(HashSet<string> Lxm, string Aud, bool Transitional)> _rpc = [];
    private readonly HashSet<string> _accountRead = new(StringComparer.Ordinal);
    private readonly HashSet<string> _accountManage = new(StringComparer.Ordinal);
    private readonly HashSet<string> _identity = new(StringComparer.Ordinal);
    private bool _all;

    private ScopePermissions()
    {
    }

    /// <summary>Everything: a session opened with the account password.</summary>
    public static ScopePermissions FullAccess { get; } = new() { _all = true };

    /// <summary>An app password: the same as <c>transition:generic</c>.</summary>
    public static ScopePermissions AppPassword { get; } = Parse("atproto transition:generic");

    /// <summary>A privileged app password: <c>transition:generic</c> with <c>transition:chat.bsky</c>.</summary>
    public static ScopePermissions AppPasswordPrivileged { get; } = Parse("atproto transition:generic transition:chat.bsky");

    public bool HasGeneric { get; private set; }

    public bool HasChat { get; private set; }

    public static ScopePermissions Parse(string? scope)
    {
        var result = new ScopePermissions();
        var values = (scope ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (!values.Contains("atproto"))
        {
            return result;
        }

        foreach (var value in values)
        {
            switch (value)
            {
                case "atproto":
                    continue;
                case "transition:generic":
                    result.HasGeneric = true;
                    result._repo.Add((["*"], [RepoAction.Create, RepoAction.Update, RepoAction.Delete]));
                    result._blobAccept.Add("*/*");
                    result._rpc.Add((["*"], "*", true));
                    continue;
                case "transition:chat.bsky":
                    result.HasChat = true;
                    continue;
                case "transition:email":
                    result._accountRead.Add("email");
                    continue;
            }

            if (ScopeString.TryParse(value, out var parsed))
            {
                result.Add(parsed);
            }
        }

        return result;
    }

    private void Add(ScopeString scope)
    {
        switch (scope.Resource)
        {
            case "repo":
            {
                var collections = scope.Values("collection", positional: true);
                var actions = scope.Values("action", positional: false);
                if (collections is not { Count: > 0 } || actions is null || scope.Parameters.Keys.Any(k => k is not ("collection" or "action"))
                    || collections.Any(c => c != "*" && !Syntax.Nsid.TryParse(c, out _)))
                {
                    return;
                }

                var parsedActions = new HashSet<RepoAction>();
                foreach (var a in actions.Count == 0 ? ["create", "update", "delete"] : actions)
                {
                    if (a switch { "create" => RepoAction.Create, "update" => RepoAction.Update, "delete" => RepoAction.Delete, _ => (RepoAction?)null } is not { } action)
                    {
                        return;
                    }

                    parsedActions.Add(action);
                }

                _repo.Add((collections.ToHashSet(StringComparer.Ordinal), parsedActions));
                return;
            }

            case "blob":
            {
                var accept = scope.Values("accept", positional: true);
                if (accept is not { Count: > 0 } || scope.Parameters.Keys.Any(k => k != "accept") || accept.Any(a => !IsMimePattern(a)))
                {
                    return;
                }

                _blobAccept.AddRange(accept);
                return;
            }

            case "rpc":
            {
                var lxm = scope.Values("lxm", positional: true);
                var aud = scope.Parameters.GetValueOrDefault("aud");
                if (lxm is not { Count: > 0 } || aud is not { Count: 1 } || scope.Parameters.Keys.Any(k => k is not ("lxm" or "aud"))
                    || lxm.Contains("*") && aud[0] == "*"
                    || lxm.Any(m => m != "*" && !Syntax.Nsid.TryParse(m, out _))
                    || aud[0] != "*" && !(aud[0].StartsWith("did:", StringComparison.Ordinal) && aud[0].Contains('#', StringComparison.Ordinal)))
                {
                    return;
                }

                _rpc.Add((lxm.ToHashSet(StringComparer.Ordinal), aud[0], false));
                return;
            }

            case "account":
            {
                var attr = scope.Values("attr", positional: true);
                var action = scope.Parameters.GetValueOrDefault("action");
                if (attr is not [var a] || a is not ("email" or "repo") || scope.Parameters.Keys.Any(k => k is not ("attr" or "action"))
                    || action is { Count: > 1 } || action is [var act] && act is not ("read" or "manage"))
                {
                    return;
                }

                _accountRead.Add(a);
                if (action is ["manage"])
                {
                    _accountManage.Add(a);
                }

                return;
            }

            case "identity":
            {
                var attr = scope.Values("attr", positional: true);
                if (attr is not [var a] || a is not ("handle" or "*") || scope.Parameters.Keys.Any(k => k != "attr"))
                {
                    return;
                }

                _identity.Add(a);
                return;
            }
        }
    }

    private static bool IsMimePattern(string value)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && slash < value.Length - 1 && value.IndexOf('/', slash + 1) < 0
            && (value[..slash] != "*" || value == "*/*");
    }

    public bool AllowsRepo(string collection, RepoAction action) =>
        _all || _repo.Any(p => p.Actions.Contains(action) && (p.Collections.Contains("*") || p.Collections.Contains(collection)));

    public bool AllowsBlob(string? mimeType)
    {
        if (_all)
        {
            return true;
        }

        mimeType = (mimeType ?? "application/octet-stream").Split(';')[0].Trim().ToLowerInvariant();
        var slash = mimeType.IndexOf('/', StringComparison.Ordinal);
        var type = slash < 0 ? mimeType : mimeType[..slash];
        return _blobAccept.Any(a => a == "*/*" || a == mimeType || a.EndsWith("/*", StringComparison.Ordinal) && a[..^2] == type);
    }

    /// <summary>Calls to <paramref name="lxm"/> at the service <paramref name="aud"/> (<c>did#fragment</c>).</summary>
    public bool AllowsRpc(string aud, string lxm)
    {
        if (_all)
        {
            return true;
        }

        // transition:generic reaches every method but chat ones, which need transition:chat.bsky too.
        var isChat = lxm.StartsWith("chat.bsky.", StringComparison.Ordinal);
        // A bare DID audience (getServiceAuth allows one) matches permissions for any of its services.
        bool AudienceMatches(string granted) => granted == "*" || granted == aud
            || !aud.Contains('#', StringComparison.Ordinal) && granted.StartsWith(aud + "#", StringComparison.Ordinal);
        return _rpc.Any(p =>
            AudienceMatches(p.Aud)
            && (p.Lxm.Contains(lxm) || p.Lxm.Contains("*"))
            && !(p.Transitional && isChat && !HasChat));
    }

    public bool AllowsAccount(string attribute, bool manage) =>
        _all || (manage ? _accountManage : _accountRead).Contains(attribute);

    public bool AllowsIdentity(string attribute) =>
        _all || _identity.Contains("*") || _identity.Contains(attribute);

    public static string RepoScope(string collection, RepoAction action) =>
        $"repo:{collection}?action={action.ToString().ToLowerInvariant()}";

    public static string BlobScope(string? mimeType) => $"blob:{mimeType ?? "*/*"}";

    public static string RpcScope(string aud, string lxm) => $"rpc:{lxm}?aud={Uri.EscapeDataString(aud)}";
}
