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
    /// <summary>
    /// Vector files whose readers have not landed yet: the lexicon vectors are read by record
    /// validation against lexicons. Each entry here must name the work that will read it; the
    /// second test keeps this list from hiding a file that is in fact read.
    /// </summary>
    private static readonly HashSet<string> NotYetRead = [.. InteropFiles.Lexicon];

    [Fact]
    public void FullRun_EveryListedVectorFileWasRead()
    {
        var read = InteropFiles.FilesRead.ToHashSet();
        var unread = InteropFiles.All.Where(f => !read.Contains(f) && !NotYetRead.Contains(f)).Order().ToList();
        Assert.Empty(unread);
    }

    [Fact]
    public void FullRun_NoFileMarkedNotYetReadIsActuallyRead()
    {
        var read = InteropFiles.FilesRead.ToHashSet();
        Assert.Empty(NotYetRead.Where(read.Contains).Order());
    }
}
