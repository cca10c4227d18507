using Mediator;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;

namespace Pds.Application.Sync.Queries.GetRepoStatus;

/// <summary>com.atproto.sync.getRepoStatus</summary>
public sealed record GetRepoStatusQuery(string Did) : IQuery<GetRepoStatusOutput>;

public sealed record GetRepoStatusOutput(string Did, bool Active, string? Status, string? Rev);

public sealed class GetRepoStatusHandler(IAccountStore accounts, IActorStore actors) : IQueryHandler<GetRepoStatusQuery, GetRepoStatusOutput>
{
    public async ValueTask<GetRepoStatusOutput> Handle(GetRepoStatusQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var account = await accounts.GetByDidAsync(query.Did, cancellationToken).ConfigureAwait(false)
            ?? throw new XrpcException(400, "RepoNotFound", $"Could not find repo for DID: {query.Did}");
        var (active, status) = SyncAccess.StatusOf(account);
        var root = active ? await actors.ReadAsync(account.Did, (r, ct) => r.GetRootAsync(ct), cancellationToken).ConfigureAwait(false) : null;
        return new GetRepoStatusOutput(account.Did, active, status, root?.Rev);
    }
}
