using BenchmarkDotNet.Attributes;
using Pds.Domain.Data;
using Pds.Domain.Lexicon;
using Pds.Infrastructure.Lexicons;

namespace Pds.Bench;

/// <summary>
/// Record validation against the embedded official lexicons, as on every repository write: a
/// typical post (text with a facet, reply refs, an image embed, self-labels) and a 280-character
/// plain post. Schemas are compiled on the first validation, outside the measured runs.
/// </summary>
[MemoryDiagnoser]
public class LexiconBenchmarks
{
    private LexiconValidator _validator = null!;
    private LexMap _post = null!;
    private LexMap _longText = null!;
    private byte[] _postJson = null!;

    [GlobalSetup]
    public void Setup()
    {
        _validator = new LexiconValidator(EmbeddedLexicons.Catalog);
        _postJson = System.Text.Encoding.UTF8.GetBytes("""
            {"$type":"app.bsky.feed.post","text":"Hello from the bench, see https://example.com/ 👋🏽","langs":["en"],
             "createdAt":"2024-08-15T12:34:56.789Z",
             "facets":[{"index":{"byteStart":26,"byteEnd":46},"features":[{"$type":"app.bsky.richtext.facet#link","uri":"https://example.com/"}]}],
             "reply":{"root":{"uri":"at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3l2ovjq7dxs2k","cid":"bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq"},
                      "parent":{"uri":"at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3l2ovjq7dxs2k","cid":"bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq"}},
             "embed":{"$type":"app.bsky.embed.images","images":[{"alt":"a cat on a mat","aspectRatio":{"width":800,"height":600},
               "image":{"$type":"blob","ref":{"$link":"bafkreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq"},"mimeType":"image/jpeg","size":123456}}]},
             "labels":{"$type":"com.atproto.label.defs#selfLabels","values":[{"val":"graphic-media"}]}}
            """);
        _post = LexJson.ParseObject(_postJson);
        _longText = LexValue.Map(
            ("$type", "app.bsky.feed.post"),
            ("text", string.Concat(Enumerable.Repeat("Lorem ipsum dolor sit amet, ", 10))),
            ("createdAt", "2024-08-15T12:34:56.789Z"));
        _validator.ValidateRecord("app.bsky.feed.post", _post);
        _validator.ValidateRecord("app.bsky.feed.post", _longText);
    }

    [Benchmark]
    public void ValidatePost() => _validator.ValidateRecord("app.bsky.feed.post", _post);

    [Benchmark]
    public void ValidatePlainLongPost() => _validator.ValidateRecord("app.bsky.feed.post", _longText);

    [Benchmark]
    public void ParseAndValidatePost() => _validator.ValidateRecord("app.bsky.feed.post", LexJson.ParseObject(_postJson));

    [Benchmark]
    public LexiconCatalog LoadEmbeddedCatalog() => EmbeddedLexicons.Load();
}
