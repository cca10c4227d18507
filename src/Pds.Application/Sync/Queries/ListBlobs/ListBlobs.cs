using FluentValidation;
using Mediator;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;
using Pds.Domain.Syntax;

namespace Pds.Application.Sync.Queries.ListBlobs;

/// <summary>com.atproto.sync.listBlobs</summary>
public sealed record ListBlobsQuery(string Did, string? Since = null, int? Limit = null, string? Cursor = null) : IQuery<ListBlobsOutput>;

public sealed record ListBlobsOutput(string? Cursor, IReadOnlyList<string> Cids);

public sealed class ListBlobsValidator : AbstractValidator<ListBlobsQuery>
{
    public ListBlobsValidator() => RuleFor(x => x.Limit).InclusiveBetween(1, 1000).When(x => x.Limit is not null);
}

public sealed class ListBlobsHandler(SyncAccess access, IActorStore actors) : IQueryHandler<ListBlobsQuery, ListBlobsOutput>
{
    public async ValueTask<ListBlobsOutput> Handle(ListBlobsQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Since is not null && !Tid.IsValid(query.Since))
        {
            throw XrpcException.InvalidRequest("since must be a TID");
        }

        var (account, _) = await access.FindAvailableAsync(query.Did, cancellationToken).ConfigureAwait(false);
        var limit = query.Limit ?? 500;
        var cids = await actors.ReadAsync(account.Did, (r, ct) => r.ListBlobsAsync(query.Since, query.Cursor, limit, ct), cancellationToken).ConfigureAwait(false);
        return new ListBlobsOutput(cids.Count == limit ? cids[^1] : null, cids);
    }
}
