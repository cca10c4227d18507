using System.Text.Json;
using Mediator;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;

namespace Pds.Application.Repo.Queries.GetRecord;

/// <summary>com.atproto.repo.getRecord</summary>
public sealed record GetRecordQuery(string Repo, string Collection, string Rkey, string? Cid = null) : IQuery<GetRecordOutput>;

public sealed record GetRecordOutput(string Uri, string? Cid, JsonElement Value);

public sealed class GetRecordHandler(RepoAccess access, IActorStore actors) : IQueryHandler<GetRecordQuery, GetRecordOutput>
{
    public async ValueTask<GetRecordOutput> Handle(GetRecordQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var account = await access.FindReadableAsync(query.Repo, cancellationToken).ConfigureAwait(false);
        var found = await actors.ReadAsync(
            account.Did,
            async (r, ct) =>
            {
                var record = await r.GetRecordAsync(query.Collection, query.Rkey, ct).ConfigureAwait(false);
                // A taken-down record is not served, as in the reference PDS.
                if (record is null || record.TakedownRef is not null || (query.Cid is not null && query.Cid != record.Cid))
                {
                    return default;
                }

                var block = await r.GetBlockAsync(record.Cid, ct).ConfigureAwait(false);
                return block is null ? default : (record, block);
            },
            cancellationToken).ConfigureAwait(false);
        if (found.record is null)
        {
            throw new XrpcException(400, "RecordNotFound", $"Could not locate record: at://{account.Did}/{query.Collection}/{query.Rkey}");
        }

        return new GetRecordOutput(found.record.Uri, found.record.Cid, RepoAccess.RecordJson(found.block));
    }
}
