using Mediator;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;
using Pds.Domain.Data;
using Pds.Domain.Repo;
using Pds.Domain.Repo.Car;

namespace Pds.Application.Sync.Queries.GetBlocks;

/// <summary>com.atproto.sync.getBlocks</summary>
public sealed record GetBlocksQuery(string Did, string[] Cids) : IQuery<CarOutput>;

public sealed class GetBlocksHandler(SyncAccess access, IActorStore actors) : IQueryHandler<GetBlocksQuery, CarOutput>
{
    public const int MaxCids = 1000;

    public async ValueTask<CarOutput> Handle(GetBlocksQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var cids = query.Cids ?? [];
        if (cids.Length > MaxCids)
        {
            throw XrpcException.InvalidRequest($"Too many cids: at most {MaxCids}");
        }

        var parsed = new List<Cid>(cids.Length);
        foreach (var text in cids)
        {
            parsed.Add(Cid.TryParse(text, out var cid) ? cid : throw XrpcException.InvalidRequest($"Invalid CID: {text}"));
        }

        var (account, _) = await access.FindAvailableAsync(query.Did, cancellationToken).ConfigureAwait(false);
        var found = await actors.ReadAsync(account.Did, (r, ct) => r.GetBlocksAsync(parsed.Select(c => c.ToString()).Distinct().ToList(), ct), cancellationToken).ConfigureAwait(false);
        var missing = parsed.Where(c => !found.ContainsKey(c.ToString())).Select(c => c.ToString()).Distinct().ToList();
        if (missing.Count > 0)
        {
            throw new XrpcException(400, "BlockNotFound", $"Could not find cids: {string.Join(", ", missing)}");
        }

        var blocks = new BlockMap();
        foreach (var cid in parsed)
        {
            blocks.Set(cid, found[cid.ToString()]);
        }

        return new CarOutput((stream, ct) => CarWriter.WriteAsync(stream, [], blocks, ct));
    }
}
