using Pds.Domain.Data;

namespace Pds.Domain.Repo;

/// <summary>The kind of change a record operation makes at a repository path.</summary>
public enum RecordAction
{
    Create,
    Update,
    Delete,
}

/// <summary>
/// One record operation of a commit, as carried in sync 1.1 <c>#commit</c> events: the new record
/// <see cref="Cid"/> (null for deletes) and the previous one <see cref="Prev"/> (null for creates).
/// Applying each operation's inverse to the new tree must give the previous tree (operation inversion).
/// </summary>
public sealed record RecordOp
{
    public RecordOp(RecordAction action, string path, Cid? cid, Cid? prev)
    {
        ArgumentNullException.ThrowIfNull(path);
        switch (action)
        {
            case RecordAction.Create when cid is null || prev is not null:
                throw new ArgumentException("a create carries the new CID and no previous CID");
            case RecordAction.Update when cid is null || prev is null:
                throw new ArgumentException("an update carries both the new and the previous CID");
            case RecordAction.Delete when cid is not null || prev is null:
                throw new ArgumentException("a delete carries the previous CID and no new CID");
            case RecordAction.Create or RecordAction.Update or RecordAction.Delete:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(action));
        }

        Action = action;
        Path = path;
        Cid = cid;
        Prev = prev;
    }

    public RecordAction Action { get; }

    /// <summary>The repository path, <c>collection/rkey</c> (the MST key).</summary>
    public string Path { get; }

    /// <summary>The record CID after the operation; null for deletes.</summary>
    public Cid? Cid { get; }

    /// <summary>The record CID before the operation; null for creates.</summary>
    public Cid? Prev { get; }

    public static RecordOp Create(string path, Cid cid) => new(RecordAction.Create, path, cid, null);

    public static RecordOp Update(string path, Cid cid, Cid prev) => new(RecordAction.Update, path, cid, prev);

    public static RecordOp Delete(string path, Cid prev) => new(RecordAction.Delete, path, null, prev);
}
