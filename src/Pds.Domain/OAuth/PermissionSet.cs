using System.Text.Json;
using Pds.Domain.Syntax;

namespace Pds.Domain.OAuth;

/// <summary>
/// A permission set: a lexicon whose <c>main</c> definition has type <c>permission-set</c>, bundling
/// <c>repo</c> and <c>rpc</c> permissions under the set's own NSID namespace. An <c>include:</c> scope
/// names one; <see cref="Expand"/> turns it into the plain permission scope strings it grants.
/// </summary>
public sealed record PermissionSet(string Nsid, string? Title, string? Detail, IReadOnlyList<JsonElement> Permissions)
{
    private const int MaxPermissions = 256;

    /// <summary>Reads a permission-set lexicon document; throws <see cref="FormatException"/> when it is not one.</summary>
    public static PermissionSet Parse(string nsid, JsonElement document)
    {
        if (document.ValueKind != JsonValueKind.Object
            || !document.TryGetProperty("lexicon", out var version) || version.ValueKind != JsonValueKind.Number || version.GetInt32() != 1
            || !document.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String || id.GetString() != nsid)
        {
            throw new FormatException($"not a lexicon document for {nsid}");
        }

        if (!document.TryGetProperty("defs", out var defs) || defs.ValueKind != JsonValueKind.Object
            || !defs.TryGetProperty("main", out var main) || main.ValueKind != JsonValueKind.Object
            || !main.TryGetProperty("type", out var type) || type.GetString() != "permission-set")
        {
            throw new FormatException($"{nsid} is not a permission set");
        }

        if (!main.TryGetProperty("permissions", out var permissions) || permissions.ValueKind != JsonValueKind.Array
            || permissions.GetArrayLength() > MaxPermissions)
        {
            throw new FormatException($"{nsid} has no valid permissions list");
        }

        static string? Text(JsonElement main, string name) =>
            main.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        return new PermissionSet(nsid, Text(main, "title"), Text(main, "detail"), permissions.EnumerateArray().Select(p => p.Clone()).ToList());
    }

    /// <summary>
    /// The scope strings this set grants when included with <paramref name="includeAud"/> (the
    /// <c>aud</c> of the <c>include:</c> scope, or null). Declarations of unknown resources, with
    /// unexpected fields or values, or reaching outside the set's namespace are ignored, as the
    /// permission specification requires; resources that sets may not carry (blob, account,
    /// identity) are ignored too.
    /// </summary>
    public IReadOnlyList<string> Expand(string? includeAud)
    {
        var result = new List<string>();
        foreach (var permission in Permissions)
        {
            if (permission.ValueKind != JsonValueKind.Object
                || !permission.TryGetProperty("type", out var type) || type.GetString() != "permission"
                || !permission.TryGetProperty("resource", out var resource) || resource.ValueKind != JsonValueKind.String)
            {
                continue;
            }

            switch (resource.GetString())
            {
                case "repo":
                    result.AddRange(ExpandRepo(permission));
                    break;
                case "rpc":
                    result.AddRange(ExpandRpc(permission, includeAud));
                    break;
            }
        }

        return result.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Whether the set may address <paramref name="nsid"/>: its own group or anything beneath it.</summary>
    public bool InNamespace(string nsid)
    {
        var group = Nsid[..Nsid.LastIndexOf('.')];
        return nsid.StartsWith(group + ".", StringComparison.Ordinal) && Syntax.Nsid.TryParse(nsid, out _);
    }

    private IEnumerable<string> ExpandRepo(JsonElement permission)
    {
        if (!OnlyFields(permission, "type", "resource", "collection", "action")
            || Strings(permission, "collection") is not { Count: > 0 } collections
            || Strings(permission, "action", optional: true) is not { } actions
            || actions.Any(a => a is not ("create" or "update" or "delete"))
            || collections.Any(c => !InNamespace(c)))
        {
            return [];
        }

        var query = actions.Count == 0 ? string.Empty : "?" + string.Join('&', actions.Distinct(StringComparer.Ordinal).Select(a => "action=" + a));
        return collections.Select(c => $"repo:{c}{query}");
    }

    private IEnumerable<string> ExpandRpc(JsonElement permission, string? includeAud)
    {
        if (!OnlyFields(permission, "type", "resource", "lxm", "aud", "inheritAud")
            || Strings(permission, "lxm") is not { Count: > 0 } methods
            || methods.Any(m => !InNamespace(m)))
        {
            return [];
        }

        var inherit = permission.TryGetProperty("inheritAud", out var flag) && flag.ValueKind == JsonValueKind.True;
        if (permission.TryGetProperty("inheritAud", out flag) && flag.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            return [];
        }

        string? aud = permission.TryGetProperty("aud", out var declared) ? declared.ValueKind == JsonValueKind.String ? declared.GetString() : null : null;
        if (permission.TryGetProperty("aud", out declared) && declared.ValueKind != JsonValueKind.String)
        {
            return [];
        }

        if (inherit)
        {
            // An inheriting permission that also names an audience is invalid, as is one with nothing to inherit.
            if (aud is not null || includeAud is null)
            {
                return [];
            }

            aud = includeAud;
        }

        if (aud is null || aud != "*" && !(aud.StartsWith("did:", StringComparison.Ordinal) && aud.Contains('#', StringComparison.Ordinal)))
        {
            return [];
        }

        var encoded = Uri.EscapeDataString(aud);
        return methods.Select(m => $"rpc:{m}?aud={encoded}");
    }

    private static bool OnlyFields(JsonElement permission, params string[] allowed) =>
        permission.EnumerateObject().All(p => allowed.Contains(p.Name, StringComparer.Ordinal));

    private static List<string>? Strings(JsonElement permission, string name, bool optional = false)
    {
        if (!permission.TryGetProperty(name, out var value))
        {
            return optional ? [] : null;
        }

        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
        {
            return null;
        }

        return value.EnumerateArray().Select(v => v.GetString()!).ToList();
    }

    /// <summary>Parses an <c>include:</c> scope: the set's NSID and its optional <c>aud</c>.</summary>
    public static bool TryParseInclude(string scope, out string nsid, out string? aud)
    {
        nsid = string.Empty;
        aud = null;
        if (!ScopeString.TryParse(scope, out var parsed) || parsed.Resource != "include"
            || parsed.Values("nsid", positional: true) is not [var name] || !Syntax.Nsid.TryParse(name, out _)
            || parsed.Parameters.Keys.Any(k => k is not ("nsid" or "aud"))
            || parsed.Parameters.GetValueOrDefault("aud") is { Count: > 1 })
        {
            return false;
        }

        nsid = name;
        aud = parsed.Parameters.GetValueOrDefault("aud") is [var a] ? a : null;
        return aud is null || aud.StartsWith("did:", StringComparison.Ordinal) && aud.Contains('#', StringComparison.Ordinal);
    }
}
