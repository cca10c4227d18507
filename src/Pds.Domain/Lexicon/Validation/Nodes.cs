using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using Pds.Domain.Data;
using Pds.Domain.Syntax;

namespace Pds.Domain.Lexicon.Validation;

/// <summary>A compiled check; returns null when the value conforms.</summary>
internal abstract class Node
{
    public abstract Failure? Check(LexValue value);
}

internal sealed class RejectNode(string problem) : Node
{
    public override Failure? Check(LexValue value) => new(problem);
}

internal sealed class BooleanNode(bool? constant) : Node
{
    public override Failure? Check(LexValue value)
    {
        if (value is not LexBoolean b)
        {
            return new("must be a boolean");
        }

        return constant is { } c && b.Value != c ? new($"must be {(c ? "true" : "false")}") : null;
    }
}

internal sealed class IntegerNode(IntegerDef def) : Node
{
    private readonly long? _const = def.Const;
    private readonly long[]? _enum = def.Enum?.ToArray();
    private readonly long _min = def.Minimum ?? long.MinValue;
    private readonly long _max = def.Maximum ?? long.MaxValue;

    public override Failure? Check(LexValue value)
    {
        if (value is not LexInteger i)
        {
            return new("must be an integer");
        }

        var v = i.Value;
        if (_const is { } c && v != c)
        {
            return new($"must be {c}");
        }

        if (_enum is not null && Array.IndexOf(_enum, v) < 0)
        {
            return new($"must be one of ({string.Join('|', _enum)})");
        }

        if (v > _max)
        {
            return new($"can not be greater than {_max}");
        }

        return v < _min ? new($"can not be less than {_min}") : null;
    }
}

internal sealed class StringNode(StringDef def) : Node
{
    private readonly string? _const = def.Const;
    private readonly FrozenSet<string>? _enum = def.Enum?.ToFrozenSet(StringComparer.Ordinal);
    private readonly string? _enumText = def.Enum is null ? null : string.Join('|', def.Enum);
    private readonly int _minBytes = def.MinLength ?? 0;
    private readonly int _maxBytes = def.MaxLength ?? int.MaxValue;
    private readonly bool _checkBytes = def.MinLength is not null || def.MaxLength is not null;
    private readonly int _minGraphemes = def.MinGraphemes ?? 0;
    private readonly int _maxGraphemes = def.MaxGraphemes ?? int.MaxValue;
    private readonly bool _checkGraphemes = def.MinGraphemes is not null || def.MaxGraphemes is not null;
    private readonly StringFormat _format = def.Format;

    public override Failure? Check(LexValue value)
    {
        if (value is not LexString str)
        {
            return new("must be a string");
        }

        var s = str.Value;
        if (_const is not null && !string.Equals(s, _const, StringComparison.Ordinal))
        {
            return new($"must be {_const}");
        }

        if (_enum is not null && !_enum.Contains(s))
        {
            return new($"must be one of ({_enumText})");
        }

        if (_checkBytes)
        {
            // A UTF-16 code unit encodes to at most 3 UTF-8 bytes (a surrogate pair, two units, to 4),
            // so the exact count is needed only when the bounds are not settled by the char count.
            var maybeTooLong = (long)s.Length * 3 > _maxBytes;
            var maybeTooShort = s.Length < _minBytes;
            if (maybeTooLong || maybeTooShort)
            {
                var bytes = Encoding.UTF8.GetByteCount(s);
                if (bytes > _maxBytes)
                {
                    return new($"must not be longer than {_maxBytes} characters");
                }

                if (bytes < _minBytes)
                {
                    return new($"must not be shorter than {_minBytes} characters");
                }
            }
        }

        if (_checkGraphemes)
        {
            // Every grapheme cluster has at least one UTF-16 code unit.
            if (s.Length < _minGraphemes)
            {
                return new($"must not be shorter than {_minGraphemes} graphemes");
            }

            if (s.Length > _maxGraphemes || _minGraphemes > 0)
            {
                var count = CountGraphemes(s, _maxGraphemes);
                if (count > _maxGraphemes)
                {
                    return new($"must not be longer than {_maxGraphemes} graphemes");
                }

                if (count < _minGraphemes)
                {
                    return new($"must not be shorter than {_minGraphemes} graphemes");
                }
            }
        }

        return _format == StringFormat.None ? null : CheckFormat(s);
    }

    /// <summary>
    /// Extended grapheme clusters (UAX #29), counting stops once past <paramref name="stopAbove"/>.
    /// ASCII text is one cluster per char except CR LF, so it is counted without segmentation.
    /// </summary>
    internal static int CountGraphemes(string s, int stopAbove)
    {
        var span = s.AsSpan();
        if (System.Text.Ascii.IsValid(span))
        {
            var crlf = 0;
            for (var at = span.IndexOf("\r\n"); at >= 0; at = span.IndexOf("\r\n"))
            {
                crlf++;
                span = span[(at + 2)..];
            }

            return s.Length - crlf;
        }

        var count = 0;
        while (!span.IsEmpty && count <= stopAbove)
        {
            span = span[StringInfo.GetNextTextElementLength(span)..];
            count++;
        }

        return count;
    }

    private Failure? CheckFormat(string s) => _format switch
    {
        StringFormat.Datetime => Datetime.IsValid(s) ? null : new("must be a valid datetime"),
        StringFormat.Uri => UriSyntax.IsValid(s) ? null : new("must be a uri"),
        StringFormat.AtUri => AtUri.IsValid(s) ? null : new("must be a valid at-uri"),
        StringFormat.Did => Did.IsValid(s) ? null : new("must be a valid did"),
        StringFormat.Handle => Handle.IsValid(s) ? null : new("must be a valid handle"),
        StringFormat.AtIdentifier => AtIdentifier.IsValid(s) ? null : new("must be a valid did or a handle"),
        StringFormat.Nsid => Nsid.IsValid(s) ? null : new("must be a valid nsid"),
        StringFormat.Cid => Cid.IsValidSyntax(s) ? null : new("must be a cid string"),
        StringFormat.Language => LanguageTag.IsWellFormed(s) ? null : new("must be a well-formed BCP 47 language tag"),
        StringFormat.Tid => Tid.IsValid(s) ? null : new("must be a valid TID"),
        StringFormat.RecordKey => RecordKey.IsValid(s) ? null : new("must be a valid record key"),
        _ => null,
    };
}

internal sealed class BytesNode(int? min, int? max) : Node
{
    public override Failure? Check(LexValue value)
    {
        if (value is not LexBytes b)
        {
            return new("must be a byte array");
        }

        var length = b.Value.Length;
        if (length > max)
        {
            return new($"must not be larger than {max} bytes");
        }

        return length < min ? new($"must not be smaller than {min} bytes") : null;
    }
}

internal sealed class CidLinkNode : Node
{
    public static readonly CidLinkNode Instance = new();

    public override Failure? Check(LexValue value) => value is LexLink ? null : new("must be a CID");
}

internal sealed class BlobNode(IReadOnlyList<string>? accept, long? maxSize) : Node
{
    private readonly string[]? _accept = accept?.ToArray();

    public override Failure? Check(LexValue value)
    {
        if (value is not LexMap map)
        {
            return new("should be a blob ref");
        }

        string mimeType;
        long size;
        if (map.Type == BlobRef.TypeName)
        {
            if (map["ref"] is not LexLink || map["mimeType"] is not LexString mime || map["size"] is not LexInteger { Value: >= 0 } sizeValue)
            {
                return new("should be a blob ref");
            }

            mimeType = mime.Value;
            size = sizeValue.Value;
        }
        else if (map.Count == 2 && map["cid"] is LexString cid && Cid.IsValidSyntax(cid.Value) && map["mimeType"] is LexString legacyMime)
        {
            // Legacy blob reference from early records: no size is recorded.
            mimeType = legacyMime.Value;
            size = -1;
        }
        else
        {
            return new("should be a blob ref");
        }

        if (maxSize is { } max && size > max)
        {
            return new($"must not be larger than {max} bytes");
        }

        return _accept is null || Accepts(_accept, mimeType)
            ? null
            : new($"has MIME type {mimeType}, which is not accepted ({string.Join(", ", _accept)})");
    }

    private static bool Accepts(string[] accept, string mimeType)
    {
        foreach (var pattern in accept)
        {
            if (pattern == "*/*")
            {
                return true;
            }

            if (pattern.EndsWith("/*", StringComparison.Ordinal)
                ? mimeType.Length > pattern.Length - 1 && mimeType.StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.OrdinalIgnoreCase)
                : string.Equals(pattern, mimeType, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}

internal sealed class ArrayNode(Node items, int? min, int? max) : Node
{
    public override Failure? Check(LexValue value)
    {
        if (value is not LexArray array)
        {
            return new("must be an array");
        }

        var list = array.Items;
        if (list.Count > max)
        {
            return new($"must not have more than {max} elements");
        }

        if (list.Count < min)
        {
            return new($"must not have fewer than {min} elements");
        }

        for (var i = 0; i < list.Count; i++)
        {
            if (items.Check(list[i]) is { } failure)
            {
                return failure.Under(i);
            }
        }

        return null;
    }
}

internal sealed class ObjectNode(ObjectNode.Slot[] slots) : Node
{
    public override Failure? Check(LexValue value)
    {
        if (value is not LexMap map)
        {
            return new("must be an object");
        }

        // Fields not in the schema are ignored, so a newer revision's additions still validate.
        foreach (var slot in slots)
        {
            if (!map.TryGet(slot.Name, out var v))
            {
                if (slot.Required && !slot.HasDefault)
                {
                    return new($"must have the property \"{slot.Name}\"");
                }

                continue;
            }

            if (slot.Nullable && v is LexNull)
            {
                continue;
            }

            if (slot.Node.Check(v) is { } failure)
            {
                return failure.Under(slot.Name);
            }
        }

        return null;
    }

    internal readonly record struct Slot(string Name, Node Node, bool Required, bool Nullable, bool HasDefault);
}

/// <summary>A record definition: its object schema, named so that callers can tell records apart.</summary>
internal sealed class RecordNode(ObjectNode record) : Node
{
    public override Failure? Check(LexValue value) => record.Check(value);
}

/// <summary>Any map that is not a blob; its contents are only held to the data model.</summary>
internal sealed class UnknownNode : Node
{
    public static readonly UnknownNode Instance = new();

    public override Failure? Check(LexValue value) => value switch
    {
        LexMap { Type: BlobRef.TypeName } => new("must be an object, not a blob"),
        LexMap => null,
        _ => new("must be an object"),
    };
}

internal sealed class RefNode(LexiconValidator validator, string key) : Node
{
    private Node? _target;

    public override Failure? Check(LexValue value)
    {
        var target = _target ??= validator.GetNode(key);
        return target is null ? new($"refers to an unknown lexicon definition {key}") : target.Check(value);
    }
}

internal sealed class UnionNode(LexiconValidator validator, FrozenDictionary<string, string> byType, bool closed, string refsText) : Node
{
    private readonly FrozenDictionary<string, RefNode> _variants =
        byType.ToFrozenDictionary(kv => kv.Key, kv => new RefNode(validator, kv.Value), StringComparer.Ordinal);

    public override Failure? Check(LexValue value)
    {
        if (value is not LexMap map || map.Type is not { } type)
        {
            return new("must be an object which includes the \"$type\" property");
        }

        if (type.EndsWith("#main", StringComparison.Ordinal))
        {
            // A main definition is named by its bare NSID in $type; the #main spelling is invalid.
            return new Failure("must not end in #main").Under("$type");
        }

        if (_variants.TryGetValue(type, out var variant))
        {
            return variant.Check(value);
        }

        return closed ? new Failure($"must be one of {refsText}").Under("$type") : null;
    }
}
