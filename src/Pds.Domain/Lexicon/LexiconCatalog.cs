using System.Collections.Frozen;

namespace Pds.Domain.Lexicon;

/// <summary>Looks up lexicon documents by NSID.</summary>
public interface ILexiconResolver
{
    /// <summary>The document whose <c>id</c> is <paramref name="nsid"/>, or null when none is known.</summary>
    LexiconDocument? Resolve(string nsid);
}

/// <summary>A fixed set of lexicon documents known to the server.</summary>
public interface ILexiconCatalog : ILexiconResolver
{
    IReadOnlyCollection<LexiconDocument> Documents { get; }
}

/// <summary>An immutable catalog of parsed lexicon documents, keyed by NSID.</summary>
public sealed class LexiconCatalog : ILexiconCatalog
{
    private readonly FrozenDictionary<string, LexiconDocument> _byId;

    /// <exception cref="ArgumentException">Two documents share an NSID.</exception>
    public LexiconCatalog(IEnumerable<LexiconDocument> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var byId = new Dictionary<string, LexiconDocument>(StringComparer.Ordinal);
        foreach (var doc in documents)
        {
            if (!byId.TryAdd(doc.Id.ToString(), doc))
            {
                throw new ArgumentException($"duplicate lexicon {doc.Id}", nameof(documents));
            }
        }

        _byId = byId.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public IReadOnlyCollection<LexiconDocument> Documents => _byId.Values;

    public LexiconDocument? Resolve(string nsid) => _byId.TryGetValue(nsid, out var doc) ? doc : null;
}
