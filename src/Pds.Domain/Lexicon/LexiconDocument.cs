using System.Collections.Frozen;
using System.Text.Json;
using Pds.Domain.Syntax;

namespace Pds.Domain.Lexicon;

/// <summary>
/// A lexicon document (language version 1): an NSID and its named schema definitions. A primary
/// definition (record, query, procedure, subscription, permission set) may only be <c>main</c>.
/// </summary>
public sealed class LexiconDocument
{
    internal LexiconDocument(Nsid id, string? description, FrozenDictionary<string, LexiconDef> defs)
    {
        Id = id;
        Description = description;
        Defs = defs;
    }

    public Nsid Id { get; }

    public string? Description { get; }

    public IReadOnlyDictionary<string, LexiconDef> Defs { get; }

    /// <summary>The <c>main</c> definition, if any.</summary>
    public LexiconDef? Main => Defs.TryGetValue("main", out var d) ? d : null;

    /// <summary>Parses and checks a lexicon document.</summary>
    /// <exception cref="LexiconDocumentException">The JSON is malformed or not a valid lexicon.</exception>
    public static LexiconDocument Parse(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = 64 });
            using var doc = JsonDocument.ParseValue(ref reader);
            return LexiconParser.ParseDocument(doc.RootElement);
        }
        catch (JsonException e)
        {
            throw new LexiconDocumentException($"malformed JSON: {e.Message}", e);
        }
    }

    /// <inheritdoc cref="Parse(ReadOnlySpan{byte})"/>
    public static LexiconDocument Parse(string json) => Parse(System.Text.Encoding.UTF8.GetBytes(json));

    /// <inheritdoc cref="Parse(ReadOnlySpan{byte})"/>
    public static LexiconDocument Parse(JsonElement element) => LexiconParser.ParseDocument(element);

    public override string ToString() => Id.ToString();
}
