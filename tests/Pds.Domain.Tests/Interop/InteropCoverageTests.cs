namespace Pds.Domain.Tests.Interop;

/// <summary>
/// Runs after every parallel test collection (xUnit runs collections with parallelization
/// disabled last) and fails if any listed vector file was not opened by some test, so a vector
/// file cannot silently stop being read. Meaningful on a full run of this test project.
/// </summary>
[CollectionDefinition(nameof(InteropCoverageCollection), DisableParallelization = true)]
public sealed class InteropCoverageCollection;

[Collection(nameof(InteropCoverageCollection))]
public sealed class InteropCoverageTests
{
    [Fact]
    public void FullRun_EveryListedVectorFileWasRead()
    {
        var read = InteropFiles.FilesRead.ToHashSet();
        var unread = InteropFiles.All.Where(f => !read.Contains(f)).Order().ToList();
        Assert.Empty(unread);
    }
}
