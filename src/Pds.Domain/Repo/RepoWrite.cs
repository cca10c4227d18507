using Pds.Domain.Data;
using Pds.Domain.Syntax;

namespace Pds.Domain.Repo;

/// <summary>
/// One record change to apply to a repository. Record bodies arrive already encoded as DAG-CBOR
/// (validation against lexicons happens before this point), so the CID is known.
/// </summary>
public abstract record RepoWrite(Nsid Collection, RecordKey Rkey)
{
    /// <summary>The MST key: <c>collection/rkey</c>.</summary>
    public string Path => $"{Collection}/{Rkey}";

    /// <summary>The AT-URI of the record in the repository of <paramref name="did"/>.</summary>
    public AtUri UriFor(Did did) => AtUri.Create(did, Collection, Rkey);
}

/// <summary>A new record. <paramref name="SwapRecord"/> is not used for creates.</summary>
public sealed record RepoCreate(Nsid Collection, RecordKey Rkey, Cid Cid, ReadOnlyMemory<byte> Block)
    : RepoWrite(Collection, Rkey)
{
    public static RepoCreate FromRecord(Nsid collection, RecordKey rkey, LexMap record)
    {
        var (cid, bytes) = DagCbor.EncodeBlock(record);
        return new RepoCreate(collection, rkey, cid, bytes);
    }
}

/// <summary>
/// Replaces an existing record. With <see cref="SwapRecord"/> set, the write fails unless the
/// current record has that CID (compare-and-swap).
/// </summary>
public sealed record RepoUpdate(Nsid Collection, RecordKey Rkey, Cid Cid, ReadOnlyMemory<byte> Block, Cid? SwapRecord = null)
    : RepoWrite(Collection, Rkey)
{
    public static RepoUpdate FromRecord(Nsid collection, RecordKey rkey, LexMap record, Cid? swapRecord = null)
    {
        var (cid, bytes) = DagCbor.EncodeBlock(record);
        return new RepoUpdate(collection, rkey, cid, bytes, swapRecord);
    }
}

/// <summary>Deletes an existing record (optionally only if it currently has <see cref="SwapRecord"/>).</summary>
public sealed record RepoDelete(Nsid Collection, RecordKey Rkey, Cid? SwapRecord = null)
    : RepoWrite(Collection, Rkey);
