using Mediator;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;

namespace Pds.Application.Repo.Queries.GetRecord;

/// <summary>com.atproto.repo.getRecord</summary>
public sealed record GetRecordQuery(string Repo, string Collection, string Rkey, string? Cid = null) : IQuery<GetRecordOutput>;

public sealed record GetRecordOutput(string Uri, string? Cid, RecordValue Value);

public sealed class GetRecordHandler(RepoAccess access) : IQueryHandler<GetRecordQuery, GetRecordOutput>
{
    public async ValueTask<GetRecordOutput> Handle(GetRecordQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var (account, record) = await access.ReadAsync(
            query.Repo,
            (r, withAccount, ct) => r.GetRecordWithBlockAsync(query.Collection, query.Rkey, withAccount, ct),
            cancellationToken).ConfigureAwait(false);

        // A taken-down record is not served, as in the reference PDS.
        if (record?.Block is not { } block || record.TakedownRef is not null || (query.Cid is not null && query.Cid != record.Cid))
        {
            throw new XrpcException(400, "RecordNotFound", $"Could not locate record: at://{account.Did}/{query.Collection}/{query.Rkey}");
        }

        return new GetRecordOutput(record.Uri, record.Cid, new RecordValue(block));
    }
}
