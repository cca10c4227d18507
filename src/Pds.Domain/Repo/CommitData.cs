using Pds.Domain.Data;
using Pds.Domain.Syntax;

namespace Pds.Domain.Repo;

/// <summary>
/// Everything a repository write produces, ready to be stored in one transaction and announced
/// on the firehose: the signed commit, the blocks that are new, the blocks no longer referenced,
/// the record-level ops (with previous CIDs, as sync 1.1 requires), and the MST blocks a consumer
/// needs to invert the ops and check them against <see cref="PrevData"/>.
/// </summary>
public sealed record CommitData
{
    public required Did Did { get; init; }

    public required Commit Commit { get; init; }

    public required Cid Cid { get; init; }

    public Tid Rev => Commit.Rev;

    /// <summary>The rev of the previous commit; null for a repository's first commit.</summary>
    public Tid? Since { get; init; }

    /// <summary>The MST root of the previous commit; null for a repository's first commit.</summary>
    public Cid? PrevData { get; init; }

    public required IReadOnlyList<RecordOp> Ops { get; init; }

    /// <summary>New blocks to store: records, MST nodes and the commit (commit block included).</summary>
    public required BlockMap NewBlocks { get; init; }

    /// <summary>MST node CIDs of the previous tree that the new tree no longer references.</summary>
    public required IReadOnlyList<Cid> RemovedNodeCids { get; init; }

    /// <summary>Record CIDs that deleted or replaced records pointed to (candidates for removal if unreferenced).</summary>
    public required IReadOnlyList<Cid> ReleasedRecordCids { get; init; }

    /// <summary>Existing MST node blocks (not in <see cref="NewBlocks"/>) needed for the sync 1.1 proof.</summary>
    public required BlockMap RelevantBlocks { get; init; }
}
