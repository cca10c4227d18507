using System.Globalization;
using Pds.Domain.Data;
using Pds.Domain.Lexicon;
using Pds.Infrastructure.Lexicons;

namespace Pds.Infrastructure.Tests.Lexicons;

public sealed class EmbeddedLexiconsTests
{
    private static readonly LexiconValidator Validator = new(EmbeddedLexicons.Catalog);

    [Fact]
    public void Load_EveryEmbeddedDocument_ParsesWithOurParser()
    {
        var names = EmbeddedLexicons.Names.ToList();

        var catalog = EmbeddedLexicons.Load();

        Assert.Equal(names.Count, catalog.Documents.Count);
        Assert.All(names, n => Assert.NotNull(catalog.Resolve(n)));
        foreach (var ns in new[] { "com.atproto.", "app.bsky.", "chat.bsky.", "tools.ozone." })
        {
            Assert.Contains(names, n => n.StartsWith(ns, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Source_NamesThePinnedPackage()
    {
        Assert.Matches(@"^@atproto/api@\d+\.\d+\.\d+$", EmbeddedLexicons.Source);
    }

    [Fact]
    public void Catalog_EveryRefAndUnionVariant_ResolvesToADefinition()
    {
        var missing = new List<string>();
        foreach (var doc in EmbeddedLexicons.Catalog.Documents)
        {
            foreach (var (name, def) in doc.Defs)
            {
                foreach (var reference in Refs(def))
                {
                    var hash = reference.IndexOf('#', StringComparison.Ordinal);
                    var (nsid, target) = hash switch
                    {
                        < 0 => (reference, "main"),
                        0 => (doc.Id.ToString(), reference[1..]),
                        _ => (reference[..hash], reference[(hash + 1)..]),
                    };
                    if (EmbeddedLexicons.Catalog.Resolve(nsid)?.Defs.ContainsKey(target) != true)
                    {
                        missing.Add($"{doc.Id}#{name} -> {reference}");
                    }
                }
            }
        }

        Assert.Empty(missing);
    }

    [Fact]
    public void Catalog_FeedPost_IsARecordWithTidKeys()
    {
        var post = Assert.IsType<RecordDef>(EmbeddedLexicons.Catalog.Resolve("app.bsky.feed.post")?.Main);

        Assert.Equal("tid", post.Key);
        Assert.Contains("text", post.Record.Required);
    }

    [Fact]
    public void ValidateRecord_RealisticPost_Succeeds()
    {
        Validator.ValidateRecord("app.bsky.feed.post", "3l2ovkfbsx42k", RealisticPost("Hello, world! 👋🏽 Ünïcödé and a link."));
    }

    [Fact]
    public void ValidateRecord_PostOneGraphemeOverTheLexiconLimit_IsRefused()
    {
        var text = (StringDef)Validator.FindRecord("app.bsky.feed.post")!.Record.Properties["text"];
        var limit = text.MaxGraphemes!.Value;
        var atLimit = string.Concat(Enumerable.Repeat("é", limit));
        var overLimit = atLimit + "é";
        Assert.Equal(limit + 1, new StringInfo(overLimit).LengthInTextElements);

        Validator.ValidateRecord("app.bsky.feed.post", PlainPost(atLimit));
        var e = Assert.Throws<LexiconValidationException>(() => Validator.ValidateRecord("app.bsky.feed.post", PlainPost(overLimit)));

        Assert.Equal($"Record/text must not be longer than {limit} graphemes", e.Message);
    }

    [Fact]
    public void ValidateRecord_PostWithImageOverTheLexiconSizeLimit_ReportsThePath()
    {
        var image = (BlobDef)((ObjectDef)EmbeddedLexicons.Catalog.Resolve("app.bsky.embed.images")!.Defs["image"]).Properties["image"];
        var maxSize = image.MaxSize!.Value;
        Validator.ValidateRecord("app.bsky.feed.post", RealisticPost("look", imageSize: maxSize));

        var e = Assert.Throws<LexiconValidationException>(
            () => Validator.ValidateRecord("app.bsky.feed.post", RealisticPost("look", imageSize: maxSize + 1)));

        Assert.Equal($"Record/embed/images/0/image must not be larger than {maxSize} bytes", e.Message);
    }

    [Fact]
    public void ValidateRecord_PostWithNonImageBlob_IsRefused()
    {
        var e = Assert.Throws<LexiconValidationException>(
            () => Validator.ValidateRecord("app.bsky.feed.post", RealisticPost("look", mimeType: "text/html")));

        Assert.Equal("Record/embed/images/0/image", e.Path);
    }

    [Fact]
    public void ValidateRecord_PostWithBadFacetDid_IsRefused()
    {
        var post = PlainPost("@someone");
        var entries = new Dictionary<string, LexValue>(post.Entries, StringComparer.Ordinal)
        {
            ["facets"] = LexValue.Array(LexValue.Map(
                ("index", LexValue.Map(("byteStart", 0L), ("byteEnd", 8L))),
                ("features", LexValue.Array(LexValue.Map(("$type", "app.bsky.richtext.facet#mention"), ("did", "not-a-did")))))),
        };

        var e = Assert.Throws<LexiconValidationException>(() => Validator.ValidateRecord("app.bsky.feed.post", new LexMap(entries)));

        Assert.Equal("Record/facets/0/features/0/did must be a valid did", e.Message);
    }

    private static LexMap PlainPost(string text) => LexValue.Map(
        ("$type", "app.bsky.feed.post"),
        ("text", text),
        ("createdAt", "2024-08-15T12:34:56.789Z"));

    private static LexMap RealisticPost(string text, long imageSize = 123_456, string mimeType = "image/jpeg")
    {
        var cid = Cid.ForDagCbor([0xa0]);
        var blob = new BlobRef(Cid.ForRaw([1, 2, 3]), mimeType, imageSize).ToLex();
        return LexValue.Map(
            ("$type", "app.bsky.feed.post"),
            ("text", text),
            ("langs", LexValue.Array("en", "de-AT")),
            ("createdAt", "2024-08-15T12:34:56.789Z"),
            ("facets", LexValue.Array(LexValue.Map(
                ("index", LexValue.Map(("byteStart", 0L), ("byteEnd", 5L))),
                ("features", LexValue.Array(LexValue.Map(("$type", "app.bsky.richtext.facet#link"), ("uri", "https://example.com/"))))))),
            ("reply", LexValue.Map(
                ("root", LexValue.Map(("uri", "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3l2ovjq7dxs2k"), ("cid", cid.ToString()))),
                ("parent", LexValue.Map(("uri", "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3l2ovjq7dxs2k"), ("cid", cid.ToString()))))),
            ("embed", LexValue.Map(
                ("$type", "app.bsky.embed.images"),
                ("images", LexValue.Array(LexValue.Map(
                    ("image", blob),
                    ("alt", "a cat on a mat"),
                    ("aspectRatio", LexValue.Map(("width", 800L), ("height", 600L)))))))),
            ("labels", LexValue.Map(
                ("$type", "com.atproto.label.defs#selfLabels"),
                ("values", LexValue.Array(LexValue.Map(("val", "graphic-media")))))),
            ("tags", LexValue.Array("cats")));
    }

    private static IEnumerable<string> Refs(LexiconDef def) => def switch
    {
        RefDef r => [r.Ref],
        UnionDef u => u.Refs,
        ArrayDef a => Refs(a.Items),
        ObjectDef o => o.Properties.Values.SelectMany(Refs),
        ParamsDef p => p.Properties.Values.SelectMany(Refs),
        RecordDef r => Refs(r.Record),
        QueryDef q => Body(q.Output).Concat(Params(q.Parameters)),
        ProcedureDef p => Body(p.Input).Concat(Body(p.Output)).Concat(Params(p.Parameters)),
        SubscriptionDef s => Refs(s.Message),
        _ => [],
    };

    private static IEnumerable<string> Params(ParamsDef? parameters) => parameters is not null ? Refs(parameters) : [];

    private static IEnumerable<string> Body(XrpcBody? body) => body?.Schema is { } s ? Refs(s) : [];
}
