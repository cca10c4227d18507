using FluentValidation;
using Mediator;
using Pds.Application.Common.Abstractions;

namespace Pds.Application.Sync.Queries.ListRepos;

/// <summary>com.atproto.sync.listRepos</summary>
public sealed record ListReposQuery(int? Limit = null, string? Cursor = null) : IQuery<ListReposOutput>;

public sealed record ListReposOutput(string? Cursor, IReadOnlyList<ListedRepo> Repos);

public sealed record ListedRepo(string Did, string Head, string Rev, bool Active, string? Status);

public sealed class ListReposValidator : AbstractValidator<ListReposQuery>
{
    public ListReposValidator()
    {
        RuleFor(x => x.Limit).InclusiveBetween(1, 1000).When(x => x.Limit is not null);
    }
}

public sealed class ListReposHandler(IAccountStore accounts) : IQueryHandler<ListReposQuery, ListReposOutput>
{
    public async ValueTask<ListReposOutput> Handle(ListReposQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = query.Limit ?? 500;
        var rows = await accounts.ListWithRootsAsync(query.Cursor, limit, cancellationToken).ConfigureAwait(false);
        var repos = rows.Select(x =>
        {
            var (active, status) = SyncAccess.StatusOf(x.Account);
            return new ListedRepo(x.Account.Did, x.Root.Cid, x.Root.Rev, active, status);
        }).ToList();
        return new ListReposOutput(repos.Count == limit ? repos[^1].Did : null, repos);
    }
}
