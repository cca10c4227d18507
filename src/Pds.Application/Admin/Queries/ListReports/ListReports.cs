using System.Globalization;
using FluentValidation;
using Mediator;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;
using Pds.Application.Moderation.Commands.CreateReport;

namespace Pds.Application.Admin.Queries.ListReports;

/// <summary>
/// <c>org.pds.admin.listReports</c>, this server's own admin method (no standard lexicon lists a
/// PDS's reports): the reports kept here because no report service is configured, newest first.
/// The cursor is the id of the last report of the page.
/// </summary>
public sealed record ListReportsQuery(int? Limit = null, string? Cursor = null) : IQuery<ListReportsOutput>;

public sealed record ListReportsOutput(string? Cursor, IReadOnlyList<ReportView> Reports);

public sealed class ListReportsValidator : AbstractValidator<ListReportsQuery>
{
    public ListReportsValidator() => RuleFor(x => x.Limit).InclusiveBetween(1, 100).When(x => x.Limit is not null);
}

public sealed class ListReportsHandler(IModerationReportStore reports) : IQueryHandler<ListReportsQuery, ListReportsOutput>
{
    public const string Nsid = "org.pds.admin.listReports";

    public async ValueTask<ListReportsOutput> Handle(ListReportsQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        long? before = null;
        if (query.Cursor is { Length: > 0 } cursor)
        {
            before = long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                ? id
                : throw XrpcException.InvalidRequest("Malformed cursor");
        }

        var limit = query.Limit ?? 50;
        var page = await reports.ListAsync(before, limit, cancellationToken).ConfigureAwait(false);
        return new ListReportsOutput(
            page.Count == limit ? page[^1].Id.ToString(CultureInfo.InvariantCulture) : null,
            page.Select(ReportView.From).ToList());
    }
}
