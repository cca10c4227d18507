using System.Text.Json;
using Pds.Domain.Lexicon;
using Pds.Infrastructure.Lexicons;

namespace Pds.Infrastructure.Tests.Lexicons;

/// <summary>
/// The lexicons under <c>../shared/lexicons</c> are the XRPC surface this server targets. Every one
/// must be in the embedded catalog, except permission sets: OAuth scope bundles that no registry
/// package ships and that neither records nor XRPC calls are validated against.
/// </summary>
public sealed class SharedLexiconsTests
{
    public static TheoryData<string> SharedFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.EnumerateFiles(Root, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(Root, f));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SharedFiles))]
    public void SharedLexicon_ParsesAndIsInTheEmbeddedCatalog(string relative)
    {
        var doc = LexiconDocument.Parse(File.ReadAllBytes(Path.Combine(Root, relative)));
        Assert.Equal(relative.Replace(".json", "", StringComparison.Ordinal).Replace(Path.DirectorySeparatorChar, '.'), doc.Id.ToString());

        var embedded = EmbeddedLexicons.Catalog.Resolve(doc.Id.ToString());

        if (doc.Main is PermissionSetDef)
        {
            Assert.Null(embedded);
            return;
        }

        Assert.NotNull(embedded);
        // The package may be newer than the target surface, but it never drops a definition.
        Assert.Empty(doc.Defs.Keys.Except(embedded.Defs.Keys));
        Assert.Equal(doc.Main?.Type, embedded.Main?.Type);
    }

    [Fact]
    public void SharedLexicons_AreFound()
    {
        Assert.True(SharedFiles().Count > 100, $"expected the target lexicons under {Root}");
    }

    private static string Root => RootDir.Value;

    private static readonly Lazy<string> RootDir = new(() =>
    {
        var fromEnv = Environment.GetEnvironmentVariable("PDS_LEXICONS_DIR");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return fromEnv;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var sibling = Path.Combine(dir.FullName, "..", "shared", "lexicons");
            if (Directory.Exists(sibling))
            {
                return Path.GetFullPath(sibling);
            }
        }

        throw new DirectoryNotFoundException("the target lexicons were not found: expected ../shared/lexicons beside the checkout, or set PDS_LEXICONS_DIR");
    });
}
