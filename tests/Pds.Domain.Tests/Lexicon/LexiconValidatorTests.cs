using System.Globalization;
using CsCheck;
using Pds.Domain.Data;
using Pds.Domain.Lexicon;
using Pds.Domain.Lexicon.Validation;

namespace Pds.Domain.Tests.Lexicon;

public sealed class LexiconValidatorTests
{
    private const string Gallery = """
        {
          "lexicon": 1,
          "id": "com.example.gallery",
          "defs": {
            "main": {
              "type": "record",
              "key": "tid",
              "record": {
                "type": "object",
                "required": ["embed"],
                "properties": {
                  "embed": { "type": "union", "refs": ["#images", "com.example.gallery#nested"] },
                  "tags": { "type": "array", "items": { "type": "string", "maxLength": 8 }, "maxLength": 3 }
                }
              }
            },
            "images": {
              "type": "object",
              "required": ["images"],
              "properties": {
                "images": { "type": "array", "items": { "type": "ref", "ref": "#image" } }
              }
            },
            "image": {
              "type": "object",
              "required": ["alt"],
              "properties": { "alt": { "type": "string", "maxGraphemes": 5 } }
            },
            "nested": {
              "type": "object",
              "properties": { "child": { "type": "ref", "ref": "#nested" }, "depth": { "type": "integer", "maximum": 3 } }
            }
          }
        }
        """;

    private static readonly LexiconValidator Validator = new(new LexiconCatalog([LexiconDocument.Parse(Gallery)]));

    [Fact]
    public void ValidateRecord_NestedArrayItemTooLong_ReportsFullPathAndLimit()
    {
        var record = Record(LexValue.Map(
            ("$type", "com.example.gallery#images"),
            ("images", LexValue.Array(LexValue.Map(("alt", "ok")), LexValue.Map(("alt", "🇩🇪🇩🇪🇩🇪🇩🇪🇩🇪🇩🇪"))))));

        var e = Assert.Throws<LexiconValidationException>(() => Validator.ValidateRecord("com.example.gallery", record));

        Assert.Equal("Record/embed/images/1/alt must not be longer than 5 graphemes", e.Message);
        Assert.Equal("Record/embed/images/1/alt", e.Path);
    }

    [Fact]
    public void ValidateRecord_FiveFlagGraphemes_Succeeds()
    {
        // Ten code points, twenty UTF-16 units, five grapheme clusters.
        var record = Record(LexValue.Map(
            ("$type", "com.example.gallery#images"),
            ("images", LexValue.Array(LexValue.Map(("alt", "🇩🇪🇩🇪🇩🇪🇩🇪🇩🇪"))))));

        Validator.ValidateRecord("com.example.gallery", record);
    }

    [Fact]
    public void ValidateRecord_RecursiveRefs_ValidateEveryLevel()
    {
        LexValue Nest(int depth) => depth == 0
            ? LexValue.Map(("depth", 4L))
            : LexValue.Map(("depth", 1L), ("child", Nest(depth - 1)));
        var inner = (LexMap)Nest(5);
        var entries = new Dictionary<string, LexValue>(inner.Entries, StringComparer.Ordinal) { ["$type"] = "com.example.gallery#nested" };

        var e = Assert.Throws<LexiconValidationException>(() => Validator.ValidateRecord("com.example.gallery", Record(new LexMap(entries))));

        Assert.Equal("Record/embed/child/child/child/child/child/depth", e.Path);
        Assert.Equal("can not be greater than 3", e.Problem);
    }

    [Fact]
    public void ValidateRecord_OpenUnionWithForeignType_IsAcceptedUnvalidated()
    {
        var record = Record(LexValue.Map(("$type", "org.other.thing"), ("anything", 123L)));

        Validator.ValidateRecord("com.example.gallery", record);
    }

    [Fact]
    public void ValidateRecord_UnionTypeWithMainSuffix_IsRefused()
    {
        var record = Record(LexValue.Map(("$type", "org.other.thing#main")));

        var e = Assert.Throws<LexiconValidationException>(() => Validator.ValidateRecord("com.example.gallery", record));

        Assert.Equal("Record/embed/$type", e.Path);
    }

    [Theory]
    [InlineData(null, "Record/$type must be a string")]
    [InlineData("com.example.other", "Record/$type must be com.example.gallery, got com.example.other")]
    [InlineData("com.example.gallery#main", "Record/$type must be com.example.gallery, got com.example.gallery#main")]
    public void ValidateRecord_WrongRecordType_IsRefused(string? type, string expected)
    {
        var entries = new Dictionary<string, LexValue>(StringComparer.Ordinal) { ["embed"] = LexValue.Map(("$type", "x.y.z")) };
        if (type is not null)
        {
            entries["$type"] = type;
        }

        var e = Assert.Throws<LexiconValidationException>(() => Validator.ValidateRecord("com.example.gallery", new LexMap(entries)));

        Assert.Equal(expected, e.Message);
    }

    [Fact]
    public void ValidateRecord_UnknownCollection_IsRefusedAndNotFound()
    {
        Assert.Null(Validator.FindRecord("com.example.missing"));
        var record = LexValue.Map(("$type", "com.example.missing"));

        Assert.Throws<LexiconValidationException>(() => Validator.ValidateRecord("com.example.missing", record));
    }

    [Theory]
    [InlineData("tid", "3jzfcijpj2z2a", true)]
    [InlineData("tid", "self", false)]
    [InlineData("literal:self", "self", true)]
    [InlineData("literal:self", "other", false)]
    [InlineData("nsid", "com.example.thing", true)]
    [InlineData("nsid", "thing", false)]
    [InlineData("any", "anything-goes:here", true)]
    [InlineData("any", "..", false)]
    public void IsValidRecordKey_KeyType_MatchesSpec(string keyType, string rkey, bool expected) =>
        Assert.Equal(expected, LexiconValidator.IsValidRecordKey(keyType, rkey));

    [Fact]
    public void ValidateRecord_RecordKeyNotATid_IsRefused()
    {
        var record = Record(LexValue.Map(("$type", "org.other.thing")));

        var e = Assert.Throws<LexiconValidationException>(() => Validator.ValidateRecord("com.example.gallery", "self", record));

        Assert.StartsWith("Record key", e.Path, StringComparison.Ordinal);
    }

    [Fact]
    public void CountGraphemes_AnyText_EqualsStringInfoTextElements()
    {
        var text = Gen.OneOf(
            Gen.String[Gen.Char['\0', '\x7f'], 0, 40],
            Gen.Select(Gen.Int[0, 6], Gen.Int[0, 6]).Select((a, b) => string.Concat(Enumerable.Repeat("a\r\n", a)) + string.Concat(Enumerable.Repeat("👩‍👩‍👦", b))),
            Gen.String[Gen.Char, 0, 40]);

        text.Sample(s => StringNode.CountGraphemes(s, int.MaxValue) == new StringInfo(s).LengthInTextElements);
    }

    [Theory]
    [InlineData("""{"type":"union","refs":[],"closed":true}""")]
    [InlineData("""{"type":"string","const":"a","default":"b"}""")]
    [InlineData("""{"type":"string","format":"email"}""")]
    [InlineData("""{"type":"object","required":["missing"],"properties":{}}""")]
    [InlineData("""{"type":"object","properties":{"x":{"type":"ref","ref":"not a ref"}}}""")]
    [InlineData("""{"type":"object","properties":{"x":{"type":"token"}}}""")]
    [InlineData("""{"type":"params","properties":{}}""")]
    [InlineData("""{"type":"array","items":{"type":"array","items":{"type":"integer"}}}""")]
    [InlineData("""{"type":"blob","accept":["text/ht*"]}""")]
    [InlineData("""{"type":"integer","minimum":1.5}""")]
    public void Parse_DefinitionBreakingLexiconRules_IsRefused(string def)
    {
        var json = "{\"lexicon\":1,\"id\":\"com.example.bad\",\"defs\":{\"thing\":" + def + "}}";

        Assert.Throws<LexiconDocumentException>(() => LexiconDocument.Parse(json));
    }

    [Theory]
    [InlineData("""{"lexicon":1,"id":"com.example.empty","defs":{}}""")]
    [InlineData("""{"lexicon":1,"id":"com.example.q","defs":{"main":{"type":"query","input":{"encoding":"application/json"}}}}""")]
    [InlineData("""{"lexicon":1,"id":"com.example.s","defs":{"main":{"type":"subscription","message":{"schema":{"type":"object","properties":{}}}}}}""")]
    [InlineData("""{"lexicon":1,"id":"com.example.r","defs":{"main":{"type":"record","key":"bogus","record":{"type":"object","properties":{}}}}}""")]
    [InlineData("""{"lexicon":1,"id":"com.example.r","defs":{"main":{"type":"record","record":{"type":"object","properties":{}}}}}""")]
    public void Parse_DocumentBreakingLexiconRules_IsRefused(string json) =>
        Assert.Throws<LexiconDocumentException>(() => LexiconDocument.Parse(json));

    private static LexMap Record(LexValue embed) => LexValue.Map(("$type", "com.example.gallery"), ("embed", embed));
}
