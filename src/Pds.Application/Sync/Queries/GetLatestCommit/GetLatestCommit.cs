using Mediator;

namespace Pds.Application.Sync.Queries.GetLatestCommit;

/// <summary>com.atproto.sync.getLatestCommit</summary>
public sealed record GetLatestCommitQuery(string Did) : IQuery<GetLatestCommitOutput>;

public sealed record GetLatestCommitOutput(string Cid, string Rev);

public sealed class GetLatestCommitHandler(SyncAccess access) : IQueryHandler<GetLatestCommitQuery, GetLatestCommitOutput>
{
    public async ValueTask<GetLatestCommitOutput> Handle(GetLatestCommitQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var (_, root) = await access.FindAvailableAsync(query.Did, cancellationToken).ConfigureAwait(false);
        return new GetLatestCommitOutput(root.Cid, root.Rev);
    }
}
