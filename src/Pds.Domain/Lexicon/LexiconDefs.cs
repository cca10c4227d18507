namespace Pds.Domain.Lexicon;

/// <summary>The <c>format</c> a lexicon <c>string</c> may carry.</summary>
public enum StringFormat
{
    None,
    AtIdentifier,
    AtUri,
    Cid,
    Datetime,
    Did,
    Handle,
    Nsid,
    Tid,
    RecordKey,
    Uri,
    Language,
}

/// <summary>
/// One schema definition of a lexicon document: a named entry of <c>defs</c>, or a schema nested in
/// one (object properties, array items, XRPC bodies). Instances are immutable once parsed.
/// </summary>
public abstract class LexiconDef
{
    private protected LexiconDef()
    {
    }

    /// <summary>The lexicon <c>type</c> value (<c>record</c>, <c>string</c>, <c>union</c>, ...).</summary>
    public abstract string Type { get; }

    public string? Description { get; init; }
}

public sealed class BooleanDef : LexiconDef
{
    public override string Type => "boolean";

    public bool? Default { get; init; }

    public bool? Const { get; init; }
}

public sealed class IntegerDef : LexiconDef
{
    public override string Type => "integer";

    public long? Minimum { get; init; }

    public long? Maximum { get; init; }

    public IReadOnlyList<long>? Enum { get; init; }

    public long? Default { get; init; }

    public long? Const { get; init; }
}

public sealed class StringDef : LexiconDef
{
    public override string Type => "string";

    public StringFormat Format { get; init; }

    /// <summary>Maximum length in UTF-8 bytes.</summary>
    public int? MaxLength { get; init; }

    /// <summary>Minimum length in UTF-8 bytes.</summary>
    public int? MinLength { get; init; }

    /// <summary>Maximum length in grapheme clusters.</summary>
    public int? MaxGraphemes { get; init; }

    /// <summary>Minimum length in grapheme clusters.</summary>
    public int? MinGraphemes { get; init; }

    /// <summary>Suggested values; other values remain valid (an open set).</summary>
    public IReadOnlyList<string>? KnownValues { get; init; }

    /// <summary>The only values allowed (a closed set).</summary>
    public IReadOnlyList<string>? Enum { get; init; }

    public string? Default { get; init; }

    public string? Const { get; init; }
}

public sealed class BytesDef : LexiconDef
{
    public override string Type => "bytes";

    public int? MinLength { get; init; }

    public int? MaxLength { get; init; }
}

public sealed class CidLinkDef : LexiconDef
{
    public override string Type => "cid-link";
}

public sealed class BlobDef : LexiconDef
{
    public override string Type => "blob";

    /// <summary>Accepted MIME types; each may end in <c>/*</c> (<c>image/*</c>, <c>*/*</c>).</summary>
    public IReadOnlyList<string>? Accept { get; init; }

    public long? MaxSize { get; init; }
}

public sealed class ArrayDef : LexiconDef
{
    public override string Type => "array";

    public required LexiconDef Items { get; init; }

    public int? MinLength { get; init; }

    public int? MaxLength { get; init; }
}

public sealed class ObjectDef : LexiconDef
{
    public override string Type => "object";

    public required IReadOnlyDictionary<string, LexiconDef> Properties { get; init; }

    public IReadOnlyList<string> Required { get; init; } = [];

    public IReadOnlyList<string> Nullable { get; init; } = [];
}

/// <summary>HTTP query parameters of a query, procedure or subscription.</summary>
public sealed class ParamsDef : LexiconDef
{
    public override string Type => "params";

    public required IReadOnlyDictionary<string, LexiconDef> Properties { get; init; }

    public IReadOnlyList<string> Required { get; init; } = [];
}

public sealed class TokenDef : LexiconDef
{
    public override string Type => "token";
}

/// <summary>A reference, as written: <c>#local</c>, <c>nsid</c> or <c>nsid#name</c>.</summary>
public sealed class RefDef : LexiconDef
{
    public override string Type => "ref";

    public required string Ref { get; init; }
}

public sealed class UnionDef : LexiconDef
{
    public override string Type => "union";

    public required IReadOnlyList<string> Refs { get; init; }

    /// <summary>A closed union refuses variants outside <see cref="Refs"/>; an open one accepts them unvalidated.</summary>
    public bool Closed { get; init; }
}

public sealed class UnknownDef : LexiconDef
{
    public override string Type => "unknown";
}

public sealed class RecordDef : LexiconDef
{
    public override string Type => "record";

    /// <summary>The record-key type: <c>tid</c>, <c>nsid</c>, <c>any</c> or <c>literal:&lt;value&gt;</c>.</summary>
    public required string Key { get; init; }

    public required ObjectDef Record { get; init; }
}

/// <summary>The request or response body of an XRPC method.</summary>
public sealed class XrpcBody
{
    public required string Encoding { get; init; }

    public string? Description { get; init; }

    /// <summary>An <see cref="ObjectDef"/>, <see cref="RefDef"/> or <see cref="UnionDef"/>, or null.</summary>
    public LexiconDef? Schema { get; init; }
}

public sealed record XrpcError(string Name, string? Description);

public sealed class QueryDef : LexiconDef
{
    public override string Type => "query";

    public ParamsDef? Parameters { get; init; }

    public XrpcBody? Output { get; init; }

    public IReadOnlyList<XrpcError> Errors { get; init; } = [];
}

public sealed class ProcedureDef : LexiconDef
{
    public override string Type => "procedure";

    public ParamsDef? Parameters { get; init; }

    public XrpcBody? Input { get; init; }

    public XrpcBody? Output { get; init; }

    public IReadOnlyList<XrpcError> Errors { get; init; } = [];
}

public sealed class SubscriptionDef : LexiconDef
{
    public override string Type => "subscription";

    public ParamsDef? Parameters { get; init; }

    public required UnionDef Message { get; init; }

    public IReadOnlyList<XrpcError> Errors { get; init; } = [];
}

/// <summary>
/// One permission of a permission set. Its fields depend on <see cref="Resource"/> and may grow over
/// time, so they are kept as raw JSON text by name.
/// </summary>
public sealed class PermissionDef : LexiconDef
{
    public override string Type => "permission";

    public required string Resource { get; init; }

    public IReadOnlyDictionary<string, string> Fields { get; init; } = new Dictionary<string, string>();
}

public sealed class PermissionSetDef : LexiconDef
{
    public override string Type => "permission-set";

    public string? Title { get; init; }

    public IReadOnlyDictionary<string, string>? TitleLang { get; init; }

    public string? Detail { get; init; }

    public IReadOnlyDictionary<string, string>? DetailLang { get; init; }

    public required IReadOnlyList<PermissionDef> Permissions { get; init; }
}
