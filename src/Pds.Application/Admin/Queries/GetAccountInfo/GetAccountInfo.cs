using FluentValidation;
using Mediator;
using Pds.Application.Common.Abstractions;

namespace Pds.Application.Admin.Queries.GetAccountInfo;

/// <summary>com.atproto.admin.getAccountInfo</summary>
public sealed record GetAccountInfoQuery(string Did) : IQuery<AccountView>;

public sealed class GetAccountInfoValidator : AbstractValidator<GetAccountInfoQuery>
{
    public GetAccountInfoValidator() => RuleFor(x => x.Did).Must(d => Domain.Syntax.Did.TryParse(d, out _)).WithMessage("did must be a DID");
}

/// <summary>The account whatever its status (taken down and deactivated included), with its invite codes.</summary>
public sealed class GetAccountInfoHandler(IAccountStore accounts, AdminAccountViews views) : IQueryHandler<GetAccountInfoQuery, AccountView>
{
    public async ValueTask<AccountView> Handle(GetAccountInfoQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var account = await accounts.GetByDidAsync(query.Did, cancellationToken).ConfigureAwait(false)
            ?? throw AdminAccountViews.AccountNotFound();
        return await views.ViewAsync(account, cancellationToken).ConfigureAwait(false);
    }
}
