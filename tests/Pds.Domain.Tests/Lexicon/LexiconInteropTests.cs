using System.Text.Json;
using Pds.Domain.Data;
using Pds.Domain.Lexicon;
using Pds.Domain.Tests.Interop;

namespace Pds.Domain.Tests.Lexicon;

/// <summary>The official lexicon vectors: document validity and record data against the catalog lexicons.</summary>
public sealed class LexiconInteropTests
{
    private const string ValidLexicons = "lexicon/lexicon-valid.json";
    private const string InvalidLexicons = "lexicon/lexicon-invalid.json";
    private const string ValidRecords = "lexicon/record-data-valid.json";
    private const string InvalidRecords = "lexicon/record-data-invalid.json";

    private static readonly Lazy<LexiconValidator> CatalogValidator = new(() =>
        new LexiconValidator(new LexiconCatalog(CatalogFiles().Select(f => LexiconDocument.Parse(InteropFiles.ReadText(f))))));

    public static TheoryData<string> Catalog() => InteropFiles.AsTheory(CatalogFiles());

    public static TheoryData<int> ValidLexiconIndexes() => Indexes(ValidLexicons);

    public static TheoryData<int> InvalidLexiconIndexes() => Indexes(InvalidLexicons);

    public static TheoryData<int> ValidRecordIndexes() => Indexes(ValidRecords);

    public static TheoryData<int> InvalidRecordIndexes() => Indexes(InvalidRecords);

    [Theory]
    [MemberData(nameof(Catalog))]
    public void Parse_CatalogLexicon_Succeeds(string file)
    {
        var doc = LexiconDocument.Parse(InteropFiles.ReadText(file));

        Assert.StartsWith("example.lexicon.", doc.Id.ToString(), StringComparison.Ordinal);
        Assert.NotNull(doc.Main);
    }

    [Theory]
    [MemberData(nameof(ValidLexiconIndexes))]
    public void Parse_ValidLexiconVector_Succeeds(int index)
    {
        var vector = Load(ValidLexicons)[index];
        var lexicon = vector.GetProperty("lexicon");

        var doc = LexiconDocument.Parse(lexicon);

        Assert.Equal(lexicon.GetProperty("id").GetString(), doc.Id.ToString());
        Assert.Equal(lexicon.GetProperty("defs").EnumerateObject().Count(), doc.Defs.Count);
    }

    [Theory]
    [MemberData(nameof(InvalidLexiconIndexes))]
    public void Parse_InvalidLexiconVector_IsRefused(int index)
    {
        var vector = Load(InvalidLexicons)[index];

        var e = Assert.Throws<LexiconDocumentException>(() => LexiconDocument.Parse(vector.GetProperty("lexicon")));
        Assert.False(string.IsNullOrEmpty(e.Message));
    }

    [Theory]
    [MemberData(nameof(ValidRecordIndexes))]
    public void ValidateRecord_ValidVector_Succeeds(int index)
    {
        var vector = Load(ValidRecords)[index];
        var data = (LexMap)LexJson.FromElement(vector.GetProperty("data"));

        CatalogValidator.Value.ValidateRecord(data.Type!, vector.GetProperty("rkey").GetString()!, data);
    }

    /// <summary>
    /// Each invalid vector sets "$type", usually the required "integer", and one field under test.
    /// The vector must be refused, and refused for that field: when the vector also omits the
    /// required "integer", the same data with the integer supplied must still be refused there.
    /// </summary>
    [Theory]
    [MemberData(nameof(InvalidRecordIndexes))]
    public void ValidateRecord_InvalidVector_IsRefusedForItsOwnReason(int index)
    {
        var vector = Load(InvalidRecords)[index];
        var name = vector.GetProperty("name").GetString()!;
        var rkey = vector.GetProperty("rkey").GetString()!;
        var data = (LexMap)LexJson.FromElement(vector.GetProperty("data"));
        var validator = CatalogValidator.Value;

        var refused = Assert.Throws<LexiconValidationException>(() => validator.ValidateRecord(data.Type!, rkey, data));

        var underTest = data.Entries.Keys.Where(k => k is not "$type" and not "integer").ToList();
        if (underTest.Count == 0)
        {
            // The vector is about the required integer itself: missing, or of the wrong type.
            Assert.Equal(data.Entries.ContainsKey("integer") ? "Record/integer" : "Record", refused.Path);
            return;
        }

        var field = Assert.Single(underTest);
        if (!data.Entries.ContainsKey("integer"))
        {
            var repaired = new Dictionary<string, LexValue>(data.Entries, StringComparer.Ordinal) { ["integer"] = 1 };
            refused = Assert.Throws<LexiconValidationException>(() => validator.ValidateRecord(data.Type!, rkey, new LexMap(repaired)));
        }

        Assert.True(
            refused.Path == $"Record/{field}" || refused.Path.StartsWith($"Record/{field}/", StringComparison.Ordinal),
            $"{name}: refused at {refused.Path} ({refused.Problem}), expected under Record/{field}");
        if (data[field] is LexMap { Count: 1 } nested && field == "formats")
        {
            Assert.Equal($"Record/formats/{nested.Entries.Keys.Single()}", refused.Path);
        }

        foreach (var (word, expected) in ReasonWords)
        {
            if (name.Contains(word, StringComparison.Ordinal))
            {
                Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
            }
        }
    }

    /// <summary>Words in a vector's name and what the refusal must then say.</summary>
    private static readonly (string Word, string Expected)[] ReasonWords =
    [
        ("(graphemes)", "graphemes"),
        ("enum", "must be one of"),
        ("integer range", "can not be"),
        ("const", "must be 42"),
        ("closed union", "$type"),
        ("missing $type", "$type"),
        ("too short", "must not"),
        ("too long", "must not"),
        ("too large", "larger than"),
        ("blob wrong type", "not accepted"),
    ];

    private static IEnumerable<string> CatalogFiles() =>
        InteropFiles.Lexicon.Where(f => f.StartsWith("lexicon/catalog/", StringComparison.Ordinal));

    private static JsonElement[] Load(string file)
    {
        using var doc = JsonDocument.Parse(InteropFiles.ReadText(file));
        return [.. doc.RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    private static TheoryData<int> Indexes(string file)
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Load(file).Length; i++)
        {
            data.Add(i);
        }

        return data;
    }
}
