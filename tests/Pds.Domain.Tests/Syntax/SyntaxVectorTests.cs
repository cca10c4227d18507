using Pds.Domain.Syntax;
using Pds.Domain.Tests.Interop;

namespace Pds.Domain.Tests.Syntax;

/// <summary>
/// Runs every line of every syntax interop vector file (CID syntax aside: it belongs to the Cid
/// type) through the syntax type the file is about.
/// </summary>
public sealed class SyntaxVectorTests
{
    public enum Expect
    {
        /// <summary>Parses, and ToString gives back the canonical spelling.</summary>
        Valid,

        /// <summary>TryParse fails and Parse throws FormatException.</summary>
        Invalid,

        /// <summary>Well-formed syntax, but not a valid value: rejected by parsing.</summary>
        WellFormedButInvalid,
    }

    private sealed record Adapter(
        Func<string, bool> TryParse,
        Func<string, string>? ParseToString,
        Func<string, string> Canonical,
        Func<string, bool>? IsWellFormed = null,
        Func<string, bool>? IsValid = null);

    private static readonly Dictionary<string, Adapter> Adapters = new()
    {
        ["AtIdentifier"] = For<AtIdentifier>(
            s => AtIdentifier.IsValid(s), s => s.StartsWith("did:", StringComparison.Ordinal) ? s : s.ToLowerInvariant()),
        ["AtUri"] = For<AtUri>(s => AtUri.IsValid(s)),
        ["Datetime"] = For<Datetime>(s => Datetime.IsValid(s), isWellFormed: s => Datetime.IsWellFormed(s)),
        ["Did"] = For<Did>(s => Did.IsValid(s)),
        ["Handle"] = For<Handle>(s => Handle.IsValid(s), s => s.ToLowerInvariant()),
        ["LanguageTag"] = For<LanguageTag>(s => LanguageTag.IsValid(s), isWellFormed: s => LanguageTag.IsWellFormed(s)),
        ["Nsid"] = For<Nsid>(s => Nsid.IsValid(s)),
        ["RecordKey"] = For<RecordKey>(s => RecordKey.IsValid(s)),
        ["Tid"] = For<Tid>(s => Tid.IsValid(s)),
        ["UriSyntax"] = new Adapter(UriSyntax.IsValid, null, s => s),
    };

    /// <summary>Which type and expectation each syntax vector file exercises.</summary>
    private static readonly Dictionary<string, (string Type, Expect Expect)> FileMap = new()
    {
        ["syntax/atidentifier_syntax_valid.txt"] = ("AtIdentifier", Expect.Valid),
        ["syntax/atidentifier_syntax_invalid.txt"] = ("AtIdentifier", Expect.Invalid),
        ["syntax/aturi_syntax_valid.txt"] = ("AtUri", Expect.Valid),
        ["syntax/aturi_syntax_invalid.txt"] = ("AtUri", Expect.Invalid),
        ["syntax/datetime_syntax_valid.txt"] = ("Datetime", Expect.Valid),
        ["syntax/datetime_syntax_invalid.txt"] = ("Datetime", Expect.Invalid),
        ["syntax/datetime_parse_invalid.txt"] = ("Datetime", Expect.WellFormedButInvalid),
        ["syntax/did_syntax_valid.txt"] = ("Did", Expect.Valid),
        ["syntax/did_syntax_invalid.txt"] = ("Did", Expect.Invalid),
        ["syntax/handle_syntax_valid.txt"] = ("Handle", Expect.Valid),
        ["syntax/handle_syntax_invalid.txt"] = ("Handle", Expect.Invalid),
        ["syntax/language_syntax_valid.txt"] = ("LanguageTag", Expect.Valid),
        ["syntax/language_syntax_invalid.txt"] = ("LanguageTag", Expect.Invalid),
        ["syntax/language_parse_invalid.txt"] = ("LanguageTag", Expect.WellFormedButInvalid),
        ["syntax/nsid_syntax_valid.txt"] = ("Nsid", Expect.Valid),
        ["syntax/nsid_syntax_invalid.txt"] = ("Nsid", Expect.Invalid),
        ["syntax/recordkey_syntax_valid.txt"] = ("RecordKey", Expect.Valid),
        ["syntax/recordkey_syntax_invalid.txt"] = ("RecordKey", Expect.Invalid),
        ["syntax/tid_syntax_valid.txt"] = ("Tid", Expect.Valid),
        ["syntax/tid_syntax_invalid.txt"] = ("Tid", Expect.Invalid),
        ["syntax/uri_syntax_valid.txt"] = ("UriSyntax", Expect.Valid),
        ["syntax/uri_syntax_invalid.txt"] = ("UriSyntax", Expect.Invalid),
    };

    private static IEnumerable<string> SyntaxFilesUnderTest =>
        InteropFiles.Syntax.Where(f => !f.StartsWith("syntax/cid_", StringComparison.Ordinal));

    private static Adapter For<T>(
        Func<string, bool> isValid, Func<string, string>? canonical = null, Func<string, bool>? isWellFormed = null)
        where T : IParsable<T> =>
        new(
            s => T.TryParse(s, null, out _),
            s => T.Parse(s, null)!.ToString()!,
            canonical ?? (s => s),
            isWellFormed,
            isValid);

    public static TheoryData<string, int, string> VectorLines()
    {
        var data = new TheoryData<string, int, string>();
        foreach (var file in SyntaxFilesUnderTest.Where(FileMap.ContainsKey))
        {
            var n = 0;
            foreach (var line in InteropFiles.ReadVectorLines(file))
            {
                data.Add(file, ++n, line);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(VectorLines))]
    public void Vector_Line_AcceptedOrRejectedAsFileSays(string file, int index, string line)
    {
        var (type, expect) = FileMap[file];
        var adapter = Adapters[type];
        var accepted = adapter.TryParse(line);
        if (adapter.IsValid is not null)
        {
            Assert.Equal(accepted, adapter.IsValid(line));
        }

        switch (expect)
        {
            case Expect.Valid:
                Assert.True(accepted, $"{file} #{index}: {type} rejected valid '{line}'");
                if (adapter.ParseToString is not null)
                {
                    Assert.Equal(adapter.Canonical(line), adapter.ParseToString(line));
                }

                break;

            case Expect.Invalid:
                Assert.False(accepted, $"{file} #{index}: {type} accepted invalid '{line}'");
                if (adapter.ParseToString is not null)
                {
                    var ex = Assert.Throws<FormatException>(() => adapter.ParseToString(line));
                    Assert.False(string.IsNullOrWhiteSpace(ex.Message));
                }

                break;

            case Expect.WellFormedButInvalid:
                Assert.NotNull(adapter.IsWellFormed);
                Assert.True(adapter.IsWellFormed(line), $"{file} #{index}: '{line}' should be well-formed syntax");
                Assert.False(accepted, $"{file} #{index}: {type} accepted semantically invalid '{line}'");
                Assert.Throws<FormatException>(() => adapter.ParseToString!(line));
                break;

            default:
                throw new ArgumentOutOfRangeException(nameof(file));
        }
    }

    [Fact]
    public void FileMap_EverySyntaxVectorFile_IsMappedToAType()
    {
        var unmapped = SyntaxFilesUnderTest.Where(f => !FileMap.ContainsKey(f)).ToList();
        Assert.True(unmapped.Count == 0, "Syntax vector files mapped to no type: " + string.Join(", ", unmapped));

        var stale = FileMap.Keys.Where(k => !InteropFiles.Syntax.Contains(k)).ToList();
        Assert.True(stale.Count == 0, "Mapped files not listed in InteropFiles.Syntax: " + string.Join(", ", stale));
    }

    [Fact]
    public void FileMap_EveryMappedFile_HasVectorLines()
    {
        foreach (var file in FileMap.Keys)
        {
            Assert.True(InteropFiles.ReadVectorLines(file).Any(), $"{file} has no vector lines");
        }
    }
}
