using Microsoft.EntityFrameworkCore;
using Pds.Application.Common.Abstractions;
using Pds.Infrastructure.Persistence.Rows;

namespace Pds.Infrastructure.Persistence.Moderation;

public sealed class EfModerationReportStore(PdsDatabase database) : IModerationReportStore
{
    private PdsDbContext Context => database.Context;

    public Task<ModerationReport> CreateAsync(string reasonType, string? reason, string subject, string reportedBy, DateTime createdAt, CancellationToken cancellationToken = default) =>
        database.WriteAsync(
            async ct =>
            {
                var row = new ModerationReportRow { ReasonType = reasonType, Reason = reason, Subject = subject, ReportedBy = reportedBy, CreatedAt = createdAt };
                Context.ModerationReports.Add(row);
                await Context.SaveChangesAsync(ct).ConfigureAwait(false);
                return ToReport(row);
            },
            cancellationToken);

    public async Task<IReadOnlyList<ModerationReport>> ListAsync(long? beforeId, int limit, CancellationToken cancellationToken = default)
    {
        var query = Context.ModerationReports.AsNoTracking();
        if (beforeId is { } before)
        {
            query = query.Where(r => r.Id < before);
        }

        var rows = await query.OrderByDescending(r => r.Id).Take(limit).ToListAsync(cancellationToken).ConfigureAwait(false);
        return rows.Select(ToReport).ToList();
    }

    private static ModerationReport ToReport(ModerationReportRow row) =>
        new(row.Id, row.ReasonType, row.Reason, row.Subject, row.ReportedBy, row.CreatedAt);
}
