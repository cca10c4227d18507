using System.Reflection;
using Pds.Domain.Lexicon;

namespace Pds.Infrastructure.Lexicons;

/// <summary>
/// The official lexicon documents embedded at build time from a pinned registry package
/// (build/lexicons/Lexicons.targets; docs/adr/0008-lexicons.md). Each is a resource named
/// <c>lexicons/&lt;nsid&gt;.json</c>; <c>lexicons/SOURCE</c> names the package and version.
/// </summary>
public static class EmbeddedLexicons
{
    private const string Prefix = "lexicons/";
    private static readonly Assembly Assembly = typeof(EmbeddedLexicons).Assembly;
    private static readonly Lazy<LexiconCatalog> Shared = new(Load);

    /// <summary>The catalog parsed once per process.</summary>
    public static LexiconCatalog Catalog => Shared.Value;

    /// <summary>The package the documents came from, e.g. <c>@atproto/api@0.21.0</c>.</summary>
    public static string Source
    {
        get
        {
            using var stream = Assembly.GetManifestResourceStream(Prefix + "SOURCE")
                ?? throw new InvalidOperationException("the embedded lexicons are missing their SOURCE resource");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd().Trim();
        }
    }

    /// <summary>The NSIDs of the embedded documents, from their resource names.</summary>
    public static IEnumerable<string> Names =>
        Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
            .Select(n => n[Prefix.Length..^".json".Length]);

    /// <summary>Parses every embedded document.</summary>
    /// <exception cref="LexiconDocumentException">An embedded document is invalid.</exception>
    public static LexiconCatalog Load()
    {
        var docs = new List<LexiconDocument>();
        foreach (var name in Names)
        {
            using var stream = Assembly.GetManifestResourceStream(Prefix + name + ".json")!;
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            LexiconDocument doc;
            try
            {
                doc = LexiconDocument.Parse(bytes);
            }
            catch (LexiconDocumentException e)
            {
                throw new LexiconDocumentException($"embedded lexicon {name}: {e.Message}", e);
            }

            if (doc.Id.ToString() != name)
            {
                throw new LexiconDocumentException($"embedded lexicon {name} has id {doc.Id}");
            }

            docs.Add(doc);
        }

        if (docs.Count == 0)
        {
            throw new InvalidOperationException("no lexicons are embedded in " + Assembly.GetName().Name);
        }

        return new LexiconCatalog(docs);
    }
}
