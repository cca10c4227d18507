using FluentValidation;
using Mediator;
using Pds.Application.Common.Abstractions;

namespace Pds.Application.Repo.Queries.ListRecords;

/// <summary>com.atproto.repo.listRecords</summary>
public sealed record ListRecordsQuery(string Repo, string Collection, int? Limit = null, string? Cursor = null, bool? Reverse = null) : IQuery<ListRecordsOutput>;

public sealed record ListRecordsOutput(string? Cursor, IReadOnlyList<ListedRecord> Records);

public sealed record ListedRecord(string Uri, string Cid, RecordValue Value);

public sealed class ListRecordsValidator : AbstractValidator<ListRecordsQuery>
{
    public ListRecordsValidator()
    {
        RuleFor(x => x.Limit).InclusiveBetween(1, 100).When(x => x.Limit is not null);
    }
}

public sealed class ListRecordsHandler(RepoAccess access) : IQueryHandler<ListRecordsQuery, ListRecordsOutput>
{
    public async ValueTask<ListRecordsOutput> Handle(ListRecordsQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = query.Limit ?? 50;
        var (_, records) = await access.ReadAsync(
            query.Repo,
            (r, withAccount, ct) => r.ListRecordsWithBlocksAsync(query.Collection, limit, query.Cursor, query.Reverse ?? false, withAccount, ct),
            cancellationToken).ConfigureAwait(false);
        var listed = records
            .Where(x => x.TakedownRef is null && x.Block is not null)
            .Select(x => new ListedRecord(x.Uri, x.Cid, new RecordValue(x.Block!)))
            .ToList();
        return new ListRecordsOutput(records.Count == limit ? records[^1].Rkey : null, listed);
    }
}
