using FluentValidation;
using Mediator;
using Pds.Application.Common.Abstractions;

namespace Pds.Application.Repo.Queries.ListMissingBlobs;

/// <summary>com.atproto.repo.listMissingBlobs: blobs the account's records reference but this server lacks (after a migration).</summary>
public sealed record ListMissingBlobsQuery(int? Limit = null, string? Cursor = null) : IQuery<ListMissingBlobsOutput>;

public sealed record ListMissingBlobsOutput(string? Cursor, IReadOnlyList<MissingBlob> Blobs);

public sealed record MissingBlob(string Cid, string RecordUri);

public sealed class ListMissingBlobsValidator : AbstractValidator<ListMissingBlobsQuery>
{
    public ListMissingBlobsValidator() => RuleFor(x => x.Limit).InclusiveBetween(1, 1000).When(x => x.Limit is not null);
}

public sealed class ListMissingBlobsHandler(IRequestContext request, IActorStore actors) : IQueryHandler<ListMissingBlobsQuery, ListMissingBlobsOutput>
{
    public async ValueTask<ListMissingBlobsOutput> Handle(ListMissingBlobsQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var did = request.Credentials!.RequireDid();
        var limit = query.Limit ?? 500;
        var rows = await actors.ReadAsync(did, (r, ct) => r.ListMissingBlobsAsync(query.Cursor, limit, ct), cancellationToken).ConfigureAwait(false);
        return new ListMissingBlobsOutput(rows.Count == limit ? rows[^1].Cid : null, rows.Select(r => new MissingBlob(r.Cid, r.RecordUri)).ToList());
    }
}
