using Pds.Domain.Repo.Car;

namespace Pds.Application.Common.Abstractions;

/// <summary>
/// Per-account repository storage (the reference PDS's actor store). Reads run concurrently;
/// writes for one DID are serialized and run in one database transaction, together with any
/// sequencer event appended during the callback.
/// </summary>
public interface IActorStore
{
    Task<T> ReadAsync<T>(string did, Func<IActorStoreReader, CancellationToken, Task<T>> read, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="ReadAsync{T}"/> for a read that streams to a client while it reads (getRepo), and
    /// so lasts as long as the client takes: a store with a bounded connection pool serves it from
    /// a pool of its own, so that slow downloads never hold up other requests.
    /// </summary>
    Task<T> StreamAsync<T>(string did, Func<IActorStoreReader, CancellationToken, Task<T>> read, CancellationToken cancellationToken = default);

    Task<T> TransactAsync<T>(string did, Func<IActorStoreTransaction, CancellationToken, Task<T>> write, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="TransactAsync{T}"/> for a write the store may run more than once, each run in a
    /// transaction of its own of which only the last commits. A store may start the run from what
    /// it last saw of the repository and check that under the lock with the commit (fewer round
    /// trips), running <paramref name="write"/> again when the repository had moved on. So
    /// <paramref name="write"/> must keep nothing from an earlier run, and must not act outside
    /// the store in a way a rolled-back run would leave wrong. Inside an open transaction it runs
    /// once, like <see cref="TransactAsync{T}"/>.
    /// </summary>
    Task<T> TransactRepeatableAsync<T>(string did, Func<IActorStoreTransaction, CancellationToken, Task<T>> write, CancellationToken cancellationToken = default);
}

public interface IActorStoreReader
{
    string Did { get; }

    Task<RepoRootInfo?> GetRootAsync(CancellationToken cancellationToken = default);

    Task<byte[]?> GetBlockAsync(string cid, CancellationToken cancellationToken = default);

    Task<RecordInfo?> GetRecordAsync(string collection, string rkey, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<RecordInfo>> ListRecordsAsync(string collection, int limit, CancellationToken cancellationToken = default);

    /// <summary>Records of <paramref name="collections"/> written in a commit after <paramref name="rev"/>, newest first.</summary>
    Task<IReadOnlyList<RecordInfo>> ListRecordsSinceAsync(string rev, IReadOnlyCollection<string> collections, int limit, CancellationToken cancellationToken = default);

    /// <summary>The collections that hold at least one record, in order.</summary>
    Task<IReadOnlyList<string>> ListCollectionsAsync(CancellationToken cancellationToken = default);

    /// <summary>The blocks among <paramref name="cids"/> that this repository holds.</summary>
    Task<IReadOnlyDictionary<string, byte[]>> GetBlocksAsync(IReadOnlyCollection<string> cids, CancellationToken cancellationToken = default);

    /// <summary>Counts for checkAccountStatus.</summary>
    Task<RepoStats> GetStatsAsync(CancellationToken cancellationToken = default);

    Task<BlobInfo?> GetBlobAsync(string cid, CancellationToken cancellationToken = default);

    /// <summary>Whether any record of this repository references the blob.</summary>
    Task<bool> IsBlobReferencedAsync(string cid, CancellationToken cancellationToken = default);

    /// <summary>CIDs of stored blobs in CID order after <paramref name="cursor"/>; with <paramref name="sinceRev"/>, only those referenced by records written after it.</summary>
    Task<IReadOnlyList<string>> ListBlobsAsync(string? sinceRev, string? cursor, int limit, CancellationToken cancellationToken = default);

    /// <summary>Blobs records reference that are not stored (after an import), in CID order after <paramref name="cursor"/>.</summary>
    Task<IReadOnlyList<(string Cid, string RecordUri)>> ListMissingBlobsAsync(string? cursor, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes every block of the repository (or only those written after revision
    /// <paramref name="sinceRev"/>) but <paramref name="skipCid"/> to <paramref name="car"/> as the
    /// rows arrive, without a CID object per block.
    /// </summary>
    Task WriteBlocksAsync(CarWriter car, string? sinceRev, string? skipCid, CancellationToken cancellationToken = default);

    /// <summary>
    /// One record with its stored block, read together (the read path of getRecord); the block is
    /// null if the repository lacks it. With <paramref name="withAccount"/> the repository's account
    /// comes too, as <see cref="IAccountStore.GetByDidAsync"/> would give it: read in the same
    /// command (one round trip to the database), or shared from an earlier read the way that
    /// method shares it; null only if there is no such account. Without it, it is null.
    /// </summary>
    Task<(AccountInfo? Account, StoredRecord? Record)> GetRecordWithBlockAsync(string collection, string rkey, bool withAccount, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records of a collection ordered by record key, newest (highest key) first unless
    /// <paramref name="reverse"/>, starting after <paramref name="cursor"/> (a record key), each
    /// with its stored block, read in one query (the read path of listRecords); the account as in
    /// <see cref="GetRecordWithBlockAsync"/>.
    /// </summary>
    Task<(AccountInfo? Account, IReadOnlyList<StoredRecord> Records)> ListRecordsWithBlocksAsync(string collection, int limit, string? cursor, bool reverse, bool withAccount, CancellationToken cancellationToken = default);
}

public interface IActorStoreTransaction : IActorStoreReader
{
    Task PutBlockAsync(string cid, ReadOnlyMemory<byte> bytes, string rev, CancellationToken cancellationToken = default);

    Task PutRecordAsync(string collection, string rkey, string uri, string cid, string rev, CancellationToken cancellationToken = default);

    Task PutBlobAsync(BlobInfo blob, CancellationToken cancellationToken = default);

    Task MarkBlobPermanentAsync(string cid, CancellationToken cancellationToken = default);

    /// <summary>Records that <paramref name="recordUri"/> references these blobs.</summary>
    Task AssociateBlobsAsync(string recordUri, IReadOnlyCollection<string> blobCids, CancellationToken cancellationToken = default);

    /// <summary>
    /// Forgets a record's blob references; returns the blobs no record references any more, except
    /// those in <paramref name="keep"/> (the record's new version), and removes their rows.
    /// </summary>
    Task<IReadOnlyList<string>> DissociateBlobsAsync(string recordUri, IReadOnlyCollection<string> keep, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the whole repository (an import): removes every block, record and record-to-blob
    /// reference it had, then stores the records as <see cref="RepoReplacement.Records"/> yields
    /// them, then the other blocks and the blob references, in bulk, and moves the head to the new
    /// commit. Stored blobs stay. The repository must exist. If the records' enumeration throws,
    /// its exception is thrown and the transaction rolls back.
    /// </summary>
    Task ReplaceRepositoryAsync(RepoReplacement replacement, CancellationToken cancellationToken = default);

    /// <summary>Sets or (with null) clears a record's takedown; false when the repository has no such record.</summary>
    Task<bool> SetRecordTakedownAsync(string collection, string rkey, string? takedownRef, CancellationToken cancellationToken = default);

    /// <summary>Sets or (with null) clears a blob's takedown; false when the repository has no such blob.</summary>
    Task<bool> SetBlobTakedownAsync(string cid, string? takedownRef, CancellationToken cancellationToken = default);

    /// <summary>Moves the repository head to a new commit.</summary>
    Task SetRootAsync(string cid, string rev, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores one commit's changes to the repository (blocks, record index, head) in as few
    /// statements as the database allows, inside the open transaction. The repository must exist.
    /// The statements may be sent only with the transaction's COMMIT (one round trip fewer on
    /// PostgreSQL), so an error in them can surface when the transaction commits; whatever this
    /// transaction then reads or changes of the repository's root, blocks or records through the
    /// store sends them first, and so sees the changes.
    /// </summary>
    Task ApplyCommitAsync(RepoCommitChanges changes, CancellationToken cancellationToken = default);
}

/// <summary>What one commit changes in a repository's tables.</summary>
/// <param name="RootCid">The new head commit.</param>
/// <param name="Rev">The new revision; new blocks and records carry it.</param>
/// <param name="NewBlocks">Blocks to store; ones the repository already holds are left alone (content-addressed).</param>
/// <param name="PutRecords">Records created or updated (a record's takedown survives an update).</param>
/// <param name="DeletedRecords">Records removed, by collection and record key.</param>
/// <param name="RemovedBlocks">Blocks to remove (MST nodes the new tree no longer uses).</param>
/// <param name="ReleasedRecordBlocks">Record blocks to remove unless a record still points at them after this commit.</param>
/// <param name="Event">The commit's firehose event, appended to the sequencer with the changes (as <see cref="ISequencer.AppendAsync"/> would).</param>
public sealed record RepoCommitChanges(
    string RootCid,
    string Rev,
    IReadOnlyList<KeyValuePair<string, ReadOnlyMemory<byte>>> NewBlocks,
    IReadOnlyList<RecordPut> PutRecords,
    IReadOnlyList<(string Collection, string Rkey)> DeletedRecords,
    IReadOnlyList<string> RemovedBlocks,
    IReadOnlyList<string> ReleasedRecordBlocks,
    PendingEvent? Event = null);

/// <summary>A firehose event to sequence: its type without <c>#</c> and its DAG-CBOR payload (without seq).</summary>
public sealed record PendingEvent(string Type, ReadOnlyMemory<byte> Bytes)
{
    public static PendingEvent From(Pds.Domain.Events.RepoEvent repoEvent)
    {
        ArgumentNullException.ThrowIfNull(repoEvent);
        return new PendingEvent(repoEvent.Type.TrimStart('#'), Pds.Domain.Data.DagCbor.Encode(repoEvent.ToPayload()));
    }
}

/// <summary>A whole repository, as <see cref="IActorStoreTransaction.ReplaceRepositoryAsync"/> stores it.</summary>
/// <param name="RootCid">The head commit.</param>
/// <param name="Rev">The head's revision; every block and record carries it.</param>
/// <param name="Blocks">
/// Every block of the repository but its records' (the commit and the tree's nodes), each CID
/// once: a record's block is stored with its record (ADR 0016). Enumerated once, after the last
/// record, so the caller can tell these blocks apart while the records are being found.
/// </param>
/// <param name="Records">
/// Every record, with the blobs it references, enumerated once, as the records are stored: the
/// caller can still be finding them (walking the tree, checking each record) meanwhile.
/// </param>
public sealed record RepoReplacement(
    string RootCid,
    string Rev,
    IEnumerable<KeyValuePair<string, ReadOnlyMemory<byte>>> Blocks,
    IAsyncEnumerable<ImportedRecord> Records);

/// <param name="Block">The record's DAG-CBOR block (the bytes <paramref name="Cid"/> names).</param>
public sealed record RecordPut(string Collection, string Rkey, string Uri, string Cid, ReadOnlyMemory<byte> Block);

/// <param name="ExpectedBlobs">Distinct blobs the records reference.</param>
/// <param name="ImportedBlobs">Of those, the blobs actually stored.</param>
public sealed record RepoStats(string? RootCid, string? Rev, long Blocks, long Records, long ExpectedBlobs, long ImportedBlobs);

/// <param name="TempKey">Where the bytes wait in temporary storage; null once permanent.</param>
/// <param name="TakedownRef">Set while an admin has taken the blob down: it is not served.</param>
public sealed record BlobInfo(string Cid, string MimeType, long Size, string? TempKey, DateTime CreatedAt, string? TakedownRef = null);

public sealed record RepoRootInfo(string Cid, string Rev, DateTime IndexedAt);

/// <summary>One record of an imported repository.</summary>
/// <param name="BlobCids">The distinct blobs the record references.</param>
/// <param name="Block">The record's DAG-CBOR block (the bytes <paramref name="Cid"/> names).</param>
public sealed record ImportedRecord(string Collection, string Rkey, string Uri, string Cid, IReadOnlyCollection<string> BlobCids, ReadOnlyMemory<byte> Block);

/// <summary>A record's index entry with its block (null when the repository lacks the block).</summary>
public sealed record StoredRecord(string Uri, string Rkey, string Cid, string? TakedownRef, byte[]? Block);

public sealed record RecordInfo(string Uri, string Collection, string Rkey, string Cid, string Rev, DateTime IndexedAt, string? TakedownRef = null);
