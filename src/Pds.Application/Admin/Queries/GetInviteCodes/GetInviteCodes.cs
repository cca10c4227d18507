using System.Globalization;
using FluentValidation;
using Mediator;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;
using Pds.Application.Server.Lifecycle;

namespace Pds.Application.Admin.Queries.GetInviteCodes;

/// <summary>com.atproto.admin.getInviteCodes</summary>
public sealed record GetInviteCodesQuery(string? Sort = null, int? Limit = null, string? Cursor = null) : IQuery<GetInviteCodesOutput>;

public sealed record GetInviteCodesOutput(string? Cursor, IReadOnlyList<InviteCodeView> Codes);

public sealed class GetInviteCodesValidator : AbstractValidator<GetInviteCodesQuery>
{
    public GetInviteCodesValidator() => RuleFor(x => x.Limit).InclusiveBetween(1, 500).When(x => x.Limit is not null);
}

/// <summary>
/// Every invite code, newest first (<c>recent</c>) or most used first (<c>usage</c>). The cursor is
/// the offset of the next page: the codes are few and read whole.
/// </summary>
public sealed class GetInviteCodesHandler(IInviteCodeStore store) : IQueryHandler<GetInviteCodesQuery, GetInviteCodesOutput>
{
    public async ValueTask<GetInviteCodesOutput> Handle(GetInviteCodesQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var offset = 0;
        if (query.Cursor is { Length: > 0 } cursor
            && (!int.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out offset) || offset < 0))
        {
            throw XrpcException.InvalidRequest("Malformed cursor");
        }

        var limit = query.Limit ?? 100;
        var all = await store.ListAllAsync(cancellationToken).ConfigureAwait(false);
        var ordered = query.Sort switch
        {
            null or "recent" => all.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Code, StringComparer.Ordinal),
            "usage" => all.OrderByDescending(c => c.Uses.Count).ThenByDescending(c => c.CreatedAt).ThenByDescending(c => c.Code, StringComparer.Ordinal),
            _ => throw XrpcException.InvalidRequest("sort must be recent or usage"),
        };
        var page = ordered.Skip(offset).Take(limit).Select(InviteCodeView.From).ToList();
        var next = offset + page.Count < all.Count ? (offset + page.Count).ToString(CultureInfo.InvariantCulture) : null;
        return new GetInviteCodesOutput(next, page);
    }
}
