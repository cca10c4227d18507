using FluentValidation;
using Mediator;
using Pds.Application.Common.Abstractions;

namespace Pds.Application.Admin.Queries.GetAccountInfos;

/// <summary>com.atproto.admin.getAccountInfos (<c>?dids=a&amp;dids=b</c>)</summary>
public sealed record GetAccountInfosQuery(string[] Dids) : IQuery<GetAccountInfosOutput>;

public sealed record GetAccountInfosOutput(IReadOnlyList<AccountView> Infos);

public sealed class GetAccountInfosValidator : AbstractValidator<GetAccountInfosQuery>
{
    public GetAccountInfosValidator()
    {
        RuleFor(x => x.Dids).NotEmpty().WithMessage("dids is required");
        RuleFor(x => x.Dids.Length).LessThanOrEqualTo(100).WithMessage("at most 100 dids");
        RuleForEach(x => x.Dids).Must(d => Domain.Syntax.Did.TryParse(d, out _)).WithMessage("dids must be DIDs");
    }
}

/// <summary>The accounts found among the DIDs, in the order asked; unknown DIDs are left out.</summary>
public sealed class GetAccountInfosHandler(IAccountStore accounts, AdminAccountViews views) : IQueryHandler<GetAccountInfosQuery, GetAccountInfosOutput>
{
    public async ValueTask<GetAccountInfosOutput> Handle(GetAccountInfosQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var infos = new List<AccountView>();
        foreach (var did in query.Dids.Distinct(StringComparer.Ordinal))
        {
            if (await accounts.GetByDidAsync(did, cancellationToken).ConfigureAwait(false) is { } account)
            {
                infos.Add(await views.ViewAsync(account, cancellationToken).ConfigureAwait(false));
            }
        }

        return new GetAccountInfosOutput(infos);
    }
}
