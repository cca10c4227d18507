using System.Collections.Concurrent;
using Pds.Domain.Data;
using Pds.Domain.Syntax;

namespace Pds.Domain.Lexicon;

/// <summary>
/// Validates data-model values against lexicon schemas. Each definition is compiled once into a
/// tree of checks (limits, enum sets and property tables prepared up front) and cached, so a
/// validation walks the value without allocating unless it fails. Refs are resolved lazily, which
/// lets recursive schemas compile. Thread-safe; share one instance per resolver.
/// </summary>
public sealed class LexiconValidator
{
    private readonly ILexiconResolver _resolver;
    private readonly ConcurrentDictionary<string, Validation.Node> _compiled = new(StringComparer.Ordinal);

    // Record schemas by collection NSID, so the write path looks them up without building a key.
    private readonly ConcurrentDictionary<string, Validation.RecordNode> _records = new(StringComparer.Ordinal);

    public LexiconValidator(ILexiconResolver resolver)
    {
        _resolver = resolver ?? throw new ArgumentNullException(nameof(resolver));
    }

    public ILexiconResolver Resolver => _resolver;

    /// <summary>The record definition of a collection, or null when its lexicon is unknown or is not a record.</summary>
    public RecordDef? FindRecord(string collection) => _resolver.Resolve(collection)?.Main as RecordDef;

    /// <summary>
    /// Validates a record of <paramref name="collection"/>: its <c>$type</c> must name the
    /// collection exactly, and the record must conform to the collection's record schema.
    /// </summary>
    /// <exception cref="LexiconValidationException">The record is invalid, or the collection has no known record lexicon.</exception>
    public void ValidateRecord(string collection, LexMap record)
    {
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(record);
        if (!record.TryGet("$type", out var type) || type is not LexString typeString)
        {
            throw new LexiconValidationException("Record/$type", "must be a string");
        }

        if (!string.Equals(typeString.Value, collection, StringComparison.Ordinal))
        {
            throw new LexiconValidationException("Record/$type", $"must be {collection}, got {typeString.Value}");
        }

        if (!_records.TryGetValue(collection, out var node))
        {
            node = GetNode(collection + "#main") as Validation.RecordNode
                ?? throw new LexiconValidationException("Record", $"has no known record lexicon: {collection}");
            _records.TryAdd(collection, node);
        }

        node.Check(record)?.Throw("Record");
    }

    /// <summary>Validates a record and checks its record key against the lexicon's key type.</summary>
    /// <exception cref="LexiconValidationException">The record or its key is invalid.</exception>
    public void ValidateRecord(string collection, string recordKey, LexMap record)
    {
        ValidateRecord(collection, record);
        var def = FindRecord(collection)!;
        if (!IsValidRecordKey(def.Key, recordKey))
        {
            throw new LexiconValidationException("Record key", $"\"{recordKey}\" does not match the record key type {def.Key}");
        }
    }

    /// <summary>Whether <paramref name="recordKey"/> satisfies a lexicon record-key type (<c>tid</c>, <c>nsid</c>, <c>any</c>, <c>literal:x</c>).</summary>
    public static bool IsValidRecordKey(string keyType, string recordKey) => keyType switch
    {
        "tid" => Tid.IsValid(recordKey),
        "nsid" => Nsid.IsValid(recordKey) && RecordKey.IsValid(recordKey),
        "any" => RecordKey.IsValid(recordKey),
        _ => keyType.StartsWith("literal:", StringComparison.Ordinal)
            && recordKey.AsSpan().SequenceEqual(keyType.AsSpan(8)),
    };

    /// <summary>
    /// Validates a value against a data definition named by a full reference (<c>nsid</c> or
    /// <c>nsid#name</c>), e.g. an XRPC body schema. Errors are reported under <paramref name="rootPath"/>.
    /// </summary>
    /// <exception cref="LexiconValidationException">The value is invalid or the definition is unknown.</exception>
    public void Validate(string reference, LexValue value, string rootPath = "Value")
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(value);
        var key = reference.Contains('#', StringComparison.Ordinal) ? reference : reference + "#main";
        var node = GetNode(key) ?? throw new LexiconValidationException(rootPath, $"has no known lexicon definition: {reference}");
        node.Check(value)?.Throw(rootPath);
    }

    /// <summary>The compiled check for a definition key <c>nsid#name</c>; null if the lexicon or the definition is unknown.</summary>
    internal Validation.Node? GetNode(string key)
    {
        if (_compiled.TryGetValue(key, out var node))
        {
            return node;
        }

        var hash = key.IndexOf('#', StringComparison.Ordinal);
        var doc = _resolver.Resolve(key[..hash]);
        if (doc is null || !doc.Defs.TryGetValue(key[(hash + 1)..], out var def))
        {
            return null;
        }

        node = Validation.Compiler.CompileNamed(this, doc, def);
        return _compiled.GetOrAdd(key, node);
    }
}
