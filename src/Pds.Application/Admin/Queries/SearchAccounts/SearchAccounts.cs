using FluentValidation;
using Mediator;
using Pds.Application.Common.Abstractions;

namespace Pds.Application.Admin.Queries.SearchAccounts;

/// <summary>com.atproto.admin.searchAccounts</summary>
public sealed record SearchAccountsQuery(string? Email = null, string? Cursor = null, int? Limit = null) : IQuery<SearchAccountsOutput>;

public sealed record SearchAccountsOutput(string? Cursor, IReadOnlyList<AccountView> Accounts);

public sealed class SearchAccountsValidator : AbstractValidator<SearchAccountsQuery>
{
    public SearchAccountsValidator() => RuleFor(x => x.Limit).InclusiveBetween(1, 100).When(x => x.Limit is not null);
}

/// <summary>
/// Accounts whose email contains <c>email</c> (case-insensitive), or all accounts without it, in
/// DID order; the cursor is the last DID of the page.
/// </summary>
public sealed class SearchAccountsHandler(IAccountStore accounts, AdminAccountViews views) : IQueryHandler<SearchAccountsQuery, SearchAccountsOutput>
{
    public async ValueTask<SearchAccountsOutput> Handle(SearchAccountsQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = query.Limit ?? 50;
        var found = await accounts.SearchAsync(query.Email?.Trim(), query.Cursor, limit, cancellationToken).ConfigureAwait(false);
        var result = new List<AccountView>(found.Count);
        foreach (var account in found)
        {
            result.Add(await views.ViewAsync(account, cancellationToken).ConfigureAwait(false));
        }

        return new SearchAccountsOutput(found.Count == limit ? found[^1].Did : null, result);
    }
}
