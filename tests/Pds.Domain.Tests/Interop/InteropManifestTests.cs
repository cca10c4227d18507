namespace Pds.Domain.Tests.Interop;

public sealed class InteropManifestTests
{
    private static readonly string[] NotVectors = ["README.md", "LICENSE-CC0", "plc/README.md"];

    [Fact]
    public void Manifest_EveryListedFileExists()
    {
        var missing = InteropFiles.All.Where(f => !File.Exists(InteropFiles.Locate(f))).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void Manifest_EveryVectorFileOnDiskIsListed()
    {
        var root = InteropFiles.Root;
        var onDisk = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(root, p).Replace('\\', '/'))
            .Where(p => !NotVectors.Contains(p))
            .ToHashSet();
        var listed = InteropFiles.All.ToHashSet();
        Assert.Empty(onDisk.Except(listed).Order());
        Assert.Equal(listed.Count, InteropFiles.All.Count());
    }
}
