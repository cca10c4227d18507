using System.Collections.Frozen;
using System.Collections.ObjectModel;
using System.Text.Json;
using Pds.Domain.Syntax;

namespace Pds.Domain.Lexicon;

/// <summary>
/// Reads lexicon documents from JSON and enforces the lexicon language rules: the types allowed in
/// each position (a named def cannot be a ref, union, unknown or params; only <c>main</c> may be a
/// primary type), well-formed refs, required properties that exist, and typed fields. Unrecognised
/// fields are ignored so that newer documents still load.
/// </summary>
internal static class LexiconParser
{
    private enum Position
    {
        NamedDef,
        Property,
        ArrayItem,
        ParamsProperty,
        ParamsArrayItem,
        Body,
    }

    public static LexiconDocument ParseDocument(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Fail("a lexicon document must be a JSON object");
        }

        if (!root.TryGetProperty("lexicon", out var version) || version.ValueKind != JsonValueKind.Number
            || !version.TryGetInt64(out var v) || v != 1)
        {
            throw Fail("\"lexicon\" must be the integer 1");
        }

        if (!root.TryGetProperty("id", out var idElement) || idElement.ValueKind != JsonValueKind.String)
        {
            throw Fail("\"id\" must be a string");
        }

        if (!Nsid.TryParse(idElement.GetString(), out var id))
        {
            throw Fail($"\"id\" is not a valid NSID: {idElement.GetString()}");
        }

        var description = OptionalString(root, "description", "lexicon");
        if (!root.TryGetProperty("defs", out var defsElement) || defsElement.ValueKind != JsonValueKind.Object)
        {
            throw Fail("\"defs\" must be an object");
        }

        var defs = new Dictionary<string, LexiconDef>(StringComparer.Ordinal);
        foreach (var entry in defsElement.EnumerateObject())
        {
            var name = entry.Name;
            if (name.Length == 0 || name.Contains('#', StringComparison.Ordinal))
            {
                throw Fail($"invalid definition name \"{name}\"");
            }

            var def = ParseDef(entry.Value, Position.NamedDef, $"defs/{name}");
            if (name != "main" && def is RecordDef or QueryDef or ProcedureDef or SubscriptionDef or PermissionSetDef)
            {
                throw Fail($"defs/{name}: a {def.Type} definition must be named \"main\"");
            }

            if (!defs.TryAdd(name, def))
            {
                throw Fail($"duplicate definition \"{name}\"");
            }
        }

        if (defs.Count == 0)
        {
            throw Fail("a lexicon must have at least one definition");
        }

        return new LexiconDocument(id, description, defs.ToFrozenDictionary(StringComparer.Ordinal));
    }

    private static LexiconDef ParseDef(JsonElement e, Position position, string where)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw Fail($"{where} must be an object");
        }

        if (!e.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
        {
            throw Fail($"{where} must have a string \"type\"");
        }

        var type = typeElement.GetString()!;
        if (!Allowed(type, position))
        {
            throw Fail($"{where}: type \"{type}\" is not allowed here");
        }

        var description = OptionalString(e, "description", where);
        return type switch
        {
            "boolean" => new BooleanDef
            {
                Description = description,
                Default = OptionalBool(e, "default", where),
                Const = OptionalBool(e, "const", where),
            }.Check(where),
            "integer" => new IntegerDef
            {
                Description = description,
                Minimum = OptionalLong(e, "minimum", where),
                Maximum = OptionalLong(e, "maximum", where),
                Enum = OptionalLongArray(e, "enum", where),
                Default = OptionalLong(e, "default", where),
                Const = OptionalLong(e, "const", where),
            }.Check(where),
            "string" => new StringDef
            {
                Description = description,
                Format = ParseFormat(OptionalString(e, "format", where), where),
                MinLength = OptionalLength(e, "minLength", where),
                MaxLength = OptionalLength(e, "maxLength", where),
                MinGraphemes = OptionalLength(e, "minGraphemes", where),
                MaxGraphemes = OptionalLength(e, "maxGraphemes", where),
                KnownValues = OptionalStringArray(e, "knownValues", where),
                Enum = OptionalStringArray(e, "enum", where),
                Default = OptionalString(e, "default", where),
                Const = OptionalString(e, "const", where),
            }.Check(where),
            "bytes" => new BytesDef
            {
                Description = description,
                MinLength = OptionalLength(e, "minLength", where),
                MaxLength = OptionalLength(e, "maxLength", where),
            },
            "cid-link" => new CidLinkDef { Description = description },
            "blob" => new BlobDef
            {
                Description = description,
                Accept = CheckAccept(OptionalStringArray(e, "accept", where), where),
                MaxSize = OptionalLong(e, "maxSize", where),
            },
            "array" => new ArrayDef
            {
                Description = description,
                Items = ParseDef(
                    Required(e, "items", where),
                    position is Position.ParamsProperty ? Position.ParamsArrayItem : Position.ArrayItem,
                    where + "/items"),
                MinLength = OptionalLength(e, "minLength", where),
                MaxLength = OptionalLength(e, "maxLength", where),
            },
            "object" => ParseObject(e, description, where),
            "params" => ParseParams(e, description, where),
            "token" => new TokenDef { Description = description },
            "ref" => new RefDef { Description = description, Ref = CheckRef(RequiredString(e, "ref", where), where) },
            "union" => ParseUnion(e, description, where),
            "unknown" => new UnknownDef { Description = description },
            "record" => new RecordDef
            {
                Description = description,
                Key = CheckRecordKeyType(RequiredString(e, "key", where), where),
                Record = ParseDef(Required(e, "record", where), Position.NamedDef, where + "/record") as ObjectDef
                    ?? throw Fail($"{where}/record must be an object definition"),
            },
            "query" => new QueryDef
            {
                Description = description,
                Parameters = OptionalParams(e, where),
                Output = OptionalBody(e, "output", where),
                Errors = ParseErrors(e, where),
            }.CheckNoInput(e, where),
            "procedure" => new ProcedureDef
            {
                Description = description,
                Parameters = OptionalParams(e, where),
                Input = OptionalBody(e, "input", where),
                Output = OptionalBody(e, "output", where),
                Errors = ParseErrors(e, where),
            },
            "subscription" => new SubscriptionDef
            {
                Description = description,
                Parameters = OptionalParams(e, where),
                Message = ParseMessage(Required(e, "message", where), where + "/message"),
                Errors = ParseErrors(e, where),
            },
            "permission-set" => ParsePermissionSet(e, description, where),
            _ => throw Fail($"{where}: unknown type \"{type}\""),
        };
    }

    private static bool Allowed(string type, Position position) => position switch
    {
        // Named definitions: never ref, union, unknown, params or permission (spec: they have no
        // standalone meaning and cannot be the target of a ref).
        Position.NamedDef => type is "record" or "query" or "procedure" or "subscription" or "permission-set"
            or "object" or "array" or "token" or "boolean" or "integer" or "string" or "bytes" or "cid-link" or "blob",
        Position.Property => type is "object" or "array" or "boolean" or "integer" or "string" or "unknown" or "bytes"
            or "cid-link" or "ref" or "union" or "blob",
        Position.ArrayItem => type is "object" or "boolean" or "integer" or "string" or "unknown" or "bytes" or "cid-link"
            or "ref" or "union" or "blob",
        Position.ParamsProperty => type is "boolean" or "integer" or "string" or "unknown" or "array",
        Position.ParamsArrayItem => type is "boolean" or "integer" or "string" or "unknown",
        Position.Body => type is "object" or "ref" or "union",
        _ => false,
    };

    private static ObjectDef ParseObject(JsonElement e, string? description, string where)
    {
        var properties = ParseProperties(e, Position.Property, where);
        var required = OptionalStringArray(e, "required", where) ?? [];
        CheckRequired(required, properties, where);
        return new ObjectDef
        {
            Description = description,
            Properties = properties,
            Required = required,
            Nullable = OptionalStringArray(e, "nullable", where) ?? [],
        };
    }

    private static ParamsDef ParseParams(JsonElement e, string? description, string where)
    {
        var properties = ParseProperties(e, Position.ParamsProperty, where);
        var required = OptionalStringArray(e, "required", where) ?? [];
        CheckRequired(required, properties, where);
        return new ParamsDef { Description = description, Properties = properties, Required = required };
    }

    /// <summary>Properties keep their declared order: validation reports the first failing property in that order.</summary>
    private static ReadOnlyDictionary<string, LexiconDef> ParseProperties(JsonElement e, Position position, string where)
    {
        var properties = new OrderedDictionary<string, LexiconDef>(StringComparer.Ordinal);
        if (e.TryGetProperty("properties", out var props))
        {
            if (props.ValueKind != JsonValueKind.Object)
            {
                throw Fail($"{where}/properties must be an object");
            }

            foreach (var p in props.EnumerateObject())
            {
                if (!properties.TryAdd(p.Name, ParseDef(p.Value, position, $"{where}/properties/{p.Name}")))
                {
                    throw Fail($"{where}: duplicate property \"{p.Name}\"");
                }
            }
        }

        return new ReadOnlyDictionary<string, LexiconDef>(properties);
    }

    private static void CheckRequired(IReadOnlyList<string> required, IReadOnlyDictionary<string, LexiconDef> properties, string where)
    {
        foreach (var name in required)
        {
            if (!properties.ContainsKey(name))
            {
                throw Fail($"{where}: required property \"{name}\" is not defined");
            }
        }
    }

    private static UnionDef ParseUnion(JsonElement e, string? description, string where)
    {
        var refs = OptionalStringArray(e, "refs", where) ?? throw Fail($"{where} must have \"refs\"");
        foreach (var r in refs)
        {
            CheckRef(r, where);
        }

        var closed = OptionalBool(e, "closed", where) ?? false;
        if (closed && refs.Length == 0)
        {
            throw Fail($"{where}: a closed union must have at least one ref");
        }

        return new UnionDef { Description = description, Refs = refs, Closed = closed };
    }

    private static ParamsDef? OptionalParams(JsonElement e, string where)
    {
        if (!e.TryGetProperty("parameters", out var p))
        {
            return null;
        }

        return p.ValueKind == JsonValueKind.Object && p.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "params"
            ? ParseParams(p, OptionalString(p, "description", where), where + "/parameters")
            : throw Fail($"{where}/parameters must be a params definition");
    }

    private static XrpcBody? OptionalBody(JsonElement e, string name, string where)
    {
        if (!e.TryGetProperty(name, out var body))
        {
            return null;
        }

        var at = $"{where}/{name}";
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw Fail($"{at} must be an object");
        }

        LexiconDef? schema = null;
        if (body.TryGetProperty("schema", out var s))
        {
            schema = ParseDef(s, Position.Body, at + "/schema");
        }

        return new XrpcBody
        {
            Encoding = RequiredString(body, "encoding", at),
            Description = OptionalString(body, "description", at),
            Schema = schema,
        };
    }

    private static UnionDef ParseMessage(JsonElement e, string where)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw Fail($"{where} must be an object");
        }

        return ParseDef(Required(e, "schema", where), Position.Property, where + "/schema") as UnionDef
            ?? throw Fail($"{where}/schema must be a union");
    }

    private static List<XrpcError> ParseErrors(JsonElement e, string where)
    {
        var errors = new List<XrpcError>();
        if (!e.TryGetProperty("errors", out var list))
        {
            return errors;
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            throw Fail($"{where}/errors must be an array");
        }

        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw Fail($"{where}/errors must hold objects");
            }

            var name = RequiredString(item, "name", where + "/errors");
            if (name.Length == 0 || name.Any(char.IsWhiteSpace))
            {
                throw Fail($"{where}/errors: invalid error name \"{name}\"");
            }

            errors.Add(new XrpcError(name, OptionalString(item, "description", where + "/errors")));
        }

        return errors;
    }

    private static PermissionSetDef ParsePermissionSet(JsonElement e, string? description, string where)
    {
        var list = Required(e, "permissions", where);
        if (list.ValueKind != JsonValueKind.Array)
        {
            throw Fail($"{where}/permissions must be an array");
        }

        var permissions = new List<PermissionDef>();
        foreach (var item in list.EnumerateArray())
        {
            var at = $"{where}/permissions/{permissions.Count}";
            if (item.ValueKind != JsonValueKind.Object || RequiredString(item, "type", at) != "permission")
            {
                throw Fail($"{at} must be a permission definition");
            }

            var resource = RequiredString(item, "resource", at);
            if (resource.Length == 0)
            {
                throw Fail($"{at}/resource must not be empty");
            }

            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in item.EnumerateObject())
            {
                if (p.Name is "type" or "resource" or "description")
                {
                    continue;
                }

                if (!IsPermissionFieldValue(p.Value))
                {
                    throw Fail($"{at}/{p.Name} must be a string, integer, boolean or an array of those");
                }

                fields[p.Name] = p.Value.GetRawText();
            }

            permissions.Add(new PermissionDef
            {
                Description = OptionalString(item, "description", at),
                Resource = resource,
                Fields = fields.ToFrozenDictionary(StringComparer.Ordinal),
            });
        }

        return new PermissionSetDef
        {
            Description = description,
            Title = OptionalString(e, "title", where),
            TitleLang = OptionalLangMap(e, "title:lang", where),
            Detail = OptionalString(e, "detail", where),
            DetailLang = OptionalLangMap(e, "detail:lang", where),
            Permissions = permissions,
        };
    }

    private static bool IsPermissionFieldValue(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String or JsonValueKind.True or JsonValueKind.False => true,
        JsonValueKind.Number => v.TryGetInt64(out _),
        JsonValueKind.Array => v.EnumerateArray().All(i => i.ValueKind != JsonValueKind.Array && IsPermissionFieldValue(i)),
        _ => false,
    };

    private static FrozenDictionary<string, string>? OptionalLangMap(JsonElement e, string name, string where)
    {
        if (!e.TryGetProperty(name, out var map))
        {
            return null;
        }

        if (map.ValueKind != JsonValueKind.Object)
        {
            throw Fail($"{where}/{name} must be an object");
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in map.EnumerateObject())
        {
            if (!LanguageTag.IsWellFormed(p.Name) || p.Value.ValueKind != JsonValueKind.String)
            {
                throw Fail($"{where}/{name}: \"{p.Name}\" must be a language tag mapped to a string");
            }

            result[p.Name] = p.Value.GetString()!;
        }

        return result.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static StringFormat ParseFormat(string? format, string where) => format switch
    {
        null => StringFormat.None,
        "at-identifier" => StringFormat.AtIdentifier,
        "at-uri" => StringFormat.AtUri,
        "cid" => StringFormat.Cid,
        "datetime" => StringFormat.Datetime,
        "did" => StringFormat.Did,
        "handle" => StringFormat.Handle,
        "nsid" => StringFormat.Nsid,
        "tid" => StringFormat.Tid,
        "record-key" => StringFormat.RecordKey,
        "uri" => StringFormat.Uri,
        "language" => StringFormat.Language,
        _ => throw Fail($"{where}: unknown string format \"{format}\""),
    };

    /// <summary>A ref is <c>#name</c>, <c>nsid</c> or <c>nsid#name</c>.</summary>
    private static string CheckRef(string reference, string where)
    {
        var hash = reference.IndexOf('#', StringComparison.Ordinal);
        var nsid = hash < 0 ? reference.AsSpan() : reference.AsSpan(0, hash);
        var name = hash < 0 ? [] : reference.AsSpan(hash + 1);
        var ok = hash < 0
            ? Nsid.IsValid(nsid)
            : name.Length > 0 && !name.Contains('#') && (nsid.Length == 0 || Nsid.IsValid(nsid));
        return ok ? reference : throw Fail($"{where}: invalid reference \"{reference}\"");
    }

    private static string CheckRecordKeyType(string key, string where)
    {
        if (key is "tid" or "nsid" or "any")
        {
            return key;
        }

        if (key.StartsWith("literal:", StringComparison.Ordinal) && RecordKey.IsValid(key.AsSpan(8)))
        {
            return key;
        }

        throw Fail($"{where}: invalid record key type \"{key}\"");
    }

    private static IReadOnlyList<string>? CheckAccept(IReadOnlyList<string>? accept, string where)
    {
        if (accept is null)
        {
            return null;
        }

        foreach (var mime in accept)
        {
            var slash = mime.IndexOf('/', StringComparison.Ordinal);
            var star = mime.IndexOf('*', StringComparison.Ordinal);
            var ok = slash > 0 && slash < mime.Length - 1 && (star < 0 || (star == mime.Length - 1 && star == slash + 1));
            if (!ok && mime != "*/*")
            {
                throw Fail($"{where}: invalid accepted MIME type \"{mime}\"");
            }
        }

        return accept;
    }

    private static BooleanDef Check(this BooleanDef d, string where) =>
        d.Const is not null && d.Default is not null ? throw Fail($"{where}: const and default are mutually exclusive") : d;

    private static IntegerDef Check(this IntegerDef d, string where) =>
        d.Const is not null && d.Default is not null ? throw Fail($"{where}: const and default are mutually exclusive") : d;

    private static StringDef Check(this StringDef d, string where) =>
        d.Const is not null && d.Default is not null ? throw Fail($"{where}: const and default are mutually exclusive") : d;

    private static QueryDef CheckNoInput(this QueryDef d, JsonElement e, string where) =>
        e.TryGetProperty("input", out _) ? throw Fail($"{where}: a query has no input") : d;

    private static JsonElement Required(JsonElement e, string name, string where) =>
        e.TryGetProperty(name, out var v) ? v : throw Fail($"{where} must have \"{name}\"");

    private static string RequiredString(JsonElement e, string name, string where) =>
        OptionalString(e, name, where) ?? throw Fail($"{where} must have a string \"{name}\"");

    private static string? OptionalString(JsonElement e, string name, string where)
    {
        if (!e.TryGetProperty(name, out var v))
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw Fail($"{where}/{name} must be a string");
    }

    private static bool? OptionalBool(JsonElement e, string name, string where)
    {
        if (!e.TryGetProperty(name, out var v))
        {
            return null;
        }

        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Fail($"{where}/{name} must be a boolean"),
        };
    }

    private static long? OptionalLong(JsonElement e, string name, string where)
    {
        if (!e.TryGetProperty(name, out var v))
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var l) ? l : throw Fail($"{where}/{name} must be an integer");
    }

    private static int? OptionalLength(JsonElement e, string name, string where)
    {
        var l = OptionalLong(e, name, where);
        return l switch
        {
            null => null,
            < 0 or > int.MaxValue => throw Fail($"{where}/{name} must be a non-negative integer"),
            _ => (int)l.Value,
        };
    }

    private static long[]? OptionalLongArray(JsonElement e, string name, string where)
    {
        if (!e.TryGetProperty(name, out var v))
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.Array)
        {
            throw Fail($"{where}/{name} must be an array of integers");
        }

        var result = new long[v.GetArrayLength()];
        var i = 0;
        foreach (var item in v.EnumerateArray())
        {
            result[i++] = item.ValueKind == JsonValueKind.Number && item.TryGetInt64(out var l)
                ? l
                : throw Fail($"{where}/{name} must be an array of integers");
        }

        return result;
    }

    private static string[]? OptionalStringArray(JsonElement e, string name, string where)
    {
        if (!e.TryGetProperty(name, out var v))
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.Array)
        {
            throw Fail($"{where}/{name} must be an array of strings");
        }

        var result = new string[v.GetArrayLength()];
        var i = 0;
        foreach (var item in v.EnumerateArray())
        {
            result[i++] = item.ValueKind == JsonValueKind.String ? item.GetString()! : throw Fail($"{where}/{name} must be an array of strings");
        }

        return result;
    }

    private static LexiconDocumentException Fail(string message) => new(message);
}
