namespace Pds.Domain.Repo;

public enum RepoWriteError
{
    /// <summary>A create for a key that already exists.</summary>
    RecordExists,

    /// <summary>An update or delete for a key that does not exist.</summary>
    RecordNotFound,

    /// <summary>The record's current CID differs from the expected one (swapRecord), or the repo head differs from swapCommit.</summary>
    InvalidSwap,

    /// <summary>The same record key appears twice in one batch.</summary>
    DuplicateWrite,
}

/// <summary>A batch of writes that cannot be applied to the repository as it is.</summary>
public sealed class RepoWriteException(RepoWriteError error, string message) : Exception(message)
{
    public RepoWriteError Error { get; } = error;
}
