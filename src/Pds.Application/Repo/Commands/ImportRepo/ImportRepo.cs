using Mediator;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Concurrency;
using Pds.Application.Common.Errors;
using Pds.Domain.Data;
using Pds.Domain.Events;
using Pds.Domain.Repo;
using Pds.Domain.Repo.Car;
using Pds.Domain.Repo.Mst;

namespace Pds.Application.Repo.Commands.ImportRepo;

/// <summary>com.atproto.repo.importRepo: a whole-repository CAR, as a migrating account brings it.</summary>
public sealed record ImportRepoCommand(Stream Car, long? ContentLength) : ICommand<Unit>;

/// <summary>
/// Replaces the account's repository with the imported one, all or nothing. The CAR must have one
/// root, a commit for this account, and every MST node and record the commit reaches; the records
/// are indexed and their blob references recorded, so listMissingBlobs then names the blobs to
/// upload. The imported commit becomes the head as signed (by the previous server's key): the next
/// write here signs a new one. An active account announces the new state with <c>#sync</c>.
/// </summary>
public sealed class ImportRepoHandler(IRequestContext request, IAccountStore accounts, IActorStore actors, ISequencer sequencer, Common.Configuration.PdsOptions options, TimeProvider clock)
    : ICommandHandler<ImportRepoCommand, Unit>
{
    /// <summary>Largest CAR accepted.</summary>
    public const long MaxImportBytes = 256L * 1024 * 1024;

    /// <summary>Records the walk hands to the inserts at a time.</summary>
    public const int RecordsPerChunk = 128;

    /// <summary>Full chunks that may wait for the inserts before the walk waits.</summary>
    public const int ChunksInFlight = 4;

    public async ValueTask<Unit> Handle(ImportRepoCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var did = request.Credentials!.RequireDid();
        if (!options.Service.AcceptingRepoImports)
        {
            throw XrpcException.InvalidRequest("Service is not accepting repo imports");
        }

        if (command.ContentLength > MaxImportBytes)
        {
            throw new XrpcException(413, XrpcErrorNames.PayloadTooLarge, $"Repository CARs are limited to {MaxImportBytes} bytes");
        }

        RepoCarContents contents;
        try
        {
            contents = await RepoCar.ReadAsync(command.Car, new CarLimits { MaxTotalBytes = MaxImportBytes }, cancellationToken).ConfigureAwait(false);
        }
        catch (CarException e)
        {
            throw XrpcException.InvalidRequest($"Invalid repository CAR: {e.Message}");
        }

        if (contents.Commit.Did.ToString() != did)
        {
            throw XrpcException.InvalidRequest($"The repository belongs to {contents.Commit.Did}, not {did}");
        }

        // The tree is walked while the transaction starts, the old contents go and the records
        // found so far are stored: each record is checked under the strict decoding rules and only
        // its blob references kept. Anything missing or malformed fails the walk, and with it the
        // transaction: nothing of the import is kept and the repository stays as it was.
        // Handed over a chunk at a time, with a bound: the walk outruns the inserts, and unbounded
        // it held every record of the repository at once (docs/PERFORMANCE.md).
        var found = new ChunkedHandOver<ImportedRecord>(RecordsPerChunk, ChunksInFlight);

        // Which of the CAR's blocks are records' (stored on their records' rows, ADR 0016): marked
        // by the walk, read once the last record has been handed over.
        var isRecord = new bool[contents.Blocks.Count];
        using var stopWalk = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var walk = Task.Run(
            async () =>
            {
                try
                {
                    await WalkAsync(contents, did, isRecord, found, stopWalk.Token).ConfigureAwait(false);
                    await found.CompleteAsync(stopWalk.Token).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    found.Fail(e);
                    throw;
                }
            },
            CancellationToken.None); // Always runs, so the hand-over always completes.
        try
        {
            var account = await accounts.GetByDidAsync(did, cancellationToken).ConfigureAwait(false);
            var rev = contents.Commit.Rev.ToString();
            await actors.TransactAsync(
                did,
                async (repo, ct) =>
                {
                    await repo.ReplaceRepositoryAsync(new RepoReplacement(contents.CommitCid.ToString(), rev, OtherBlocks(contents.Blocks, isRecord), found.ReadAllAsync(ct)), ct).ConfigureAwait(false);
                    if (account is { IsActive: true })
                    {
                        await sequencer.AppendAsync(SyncEvent.FromCommit(contents.Commit.Did, contents.Commit, clock.GetUtcNow()), ct).ConfigureAwait(false);
                    }

                    return true;
                },
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Not left running, or waiting for room, when storing failed first; its own failure has
            // been thrown above.
            await stopWalk.CancelAsync().ConfigureAwait(false);
            await ((Task)walk).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        return Unit.Value;
    }

    /// <summary>The blocks that are not records', in the CAR's order; enumerated after the walk has marked every record's.</summary>
    private static IEnumerable<KeyValuePair<string, ReadOnlyMemory<byte>>> OtherBlocks(PackedBlocks blocks, bool[] isRecord)
    {
        for (var i = 0; i < blocks.Count; i++)
        {
            if (!isRecord[i])
            {
                yield return KeyValuePair.Create(blocks.CidAt(i).ToString(), blocks.DataAt(i));
            }
        }
    }

    /// <summary>
    /// Every record the commit's tree reaches, with the blobs it references, in key order, each
    /// record's block marked in <paramref name="isRecord"/>; refuses a repository with anything
    /// missing or malformed.
    /// </summary>
    private static async Task WalkAsync(RepoCarContents contents, string did, bool[] isRecord, ChunkedHandOver<ImportedRecord> records, CancellationToken cancellationToken)
    {
        try
        {
            var tree = MstTree.Load(contents.Blocks, contents.Commit.Data);
            string? collection = null;
            await foreach (var entry in tree.WalkAsync(cancellationToken).ConfigureAwait(false))
            {
                var index = contents.Blocks.IndexOf(entry.Value);
                if (index < 0)
                {
                    throw XrpcException.InvalidRequest($"Missing record block for {entry.Key}");
                }

                var bytes = contents.Blocks.DataAt(index);
                isRecord[index] = true;

                var slash = entry.Key.IndexOf('/', StringComparison.Ordinal);
                if (slash <= 0 || !Domain.Syntax.Nsid.IsValid(entry.Key.AsSpan(0, slash)) || !Domain.Syntax.RecordKey.IsValid(entry.Key.AsSpan(slash + 1)))
                {
                    throw XrpcException.InvalidRequest($"Invalid record path {entry.Key}");
                }

                // A record that may reference blobs is decoded to find them; any other is only
                // checked, which builds nothing (the same rules, far fewer allocations).
                IReadOnlyCollection<string> blobs = [];
                if (BlobRef.MayOccurIn(bytes.Span))
                {
                    blobs = BlobRef.FindAll(DagCbor.DecodeMap(bytes)).Select(b => b.Ref.ToString()).Distinct().ToList();
                }
                else
                {
                    DagCbor.CheckMap(bytes);
                }

                // Keys come in order, so a collection's records follow each other: one string for each run.
                if (collection is null || !entry.Key.AsSpan(0, slash).SequenceEqual(collection))
                {
                    collection = entry.Key[..slash];
                }

                await records.WriteAsync(new ImportedRecord(collection, entry.Key[(slash + 1)..], $"at://{did}/{entry.Key}", entry.Value.ToString(), blobs, bytes), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is MissingBlockException or DataModelException or MstException or InvalidCommitException)
        {
            throw XrpcException.InvalidRequest($"Invalid repository: {e.Message}");
        }
    }
}
