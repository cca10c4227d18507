using Mediator;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;
using Pds.Application.Repo;
using Pds.Domain.Data;
using Pds.Domain.Repo;
using Pds.Domain.Repo.Car;
using Pds.Domain.Repo.Mst;
using Pds.Domain.Syntax;

namespace Pds.Application.Sync.Queries.GetRecord;

/// <summary>com.atproto.sync.getRecord: a CAR proving the record (or its absence) under the current signed commit.</summary>
public sealed record SyncGetRecordQuery(string Did, string Collection, string Rkey) : IQuery<CarOutput>;

public sealed class SyncGetRecordHandler(SyncAccess access, IActorStore actors) : IQueryHandler<SyncGetRecordQuery, CarOutput>
{
    public async ValueTask<CarOutput> Handle(SyncGetRecordQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (!Nsid.IsValid(query.Collection) || !RecordKey.IsValid(query.Rkey))
        {
            throw XrpcException.InvalidRequest("collection must be an NSID and rkey a record key");
        }

        var (account, root) = await access.FindAvailableAsync(query.Did, cancellationToken).ConfigureAwait(false);
        var blocks = await actors.ReadAsync(
            account.Did,
            async (reader, ct) =>
            {
                var source = new ActorBlockSource(reader);
                var head = Cid.Parse(root.Cid);
                var commitBytes = await source.GetBlockAsync(head, ct).ConfigureAwait(false)
                    ?? throw new InvalidOperationException("The head commit is missing.");
                var commit = Commit.Decode(commitBytes);
                var tree = MstTree.Load(source, commit.Data);
                var key = $"{query.Collection}/{query.Rkey}";
                var proof = await MstProofs.PathProofAsync(tree, key, ct).ConfigureAwait(false);
                var result = new BlockMap();
                result.Set(head, commitBytes);
                result.AddAll(proof);
                if (await tree.GetAsync(key, ct).ConfigureAwait(false) is { } recordCid
                    && await source.GetBlockAsync(recordCid, ct).ConfigureAwait(false) is { } recordBytes)
                {
                    result.Set(recordCid, recordBytes);
                }

                return (head, result);
            },
            cancellationToken).ConfigureAwait(false);
        return new CarOutput((stream, ct) => CarWriter.WriteAsync(stream, [blocks.head], blocks.result, ct));
    }
}
