using Mediator;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;

namespace Pds.Application.Admin.Queries.GetSubjectStatus;

/// <summary>com.atproto.admin.getSubjectStatus: one of <c>blob</c> (with <c>did</c>), <c>uri</c> or <c>did</c>.</summary>
public sealed record GetSubjectStatusQuery(string? Did = null, string? Uri = null, string? Blob = null) : IQuery<SubjectStatusOutput>;

/// <param name="Subject">A <see cref="RepoRefView"/>, <see cref="StrongRefView"/> or <see cref="RepoBlobRefView"/>.</param>
public sealed record SubjectStatusOutput(object Subject, StatusAttr? Takedown, StatusAttr? Deactivated = null);

public sealed class GetSubjectStatusHandler(IAccountStore accounts, IActorStore actors) : IQueryHandler<GetSubjectStatusQuery, SubjectStatusOutput>
{
    public async ValueTask<SubjectStatusOutput> Handle(GetSubjectStatusQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Blob is { } blob)
        {
            if (query.Did is null)
            {
                throw XrpcException.InvalidRequest("Must provide a did to request blob state");
            }

            if (!Domain.Data.Cid.TryParse(blob, out _))
            {
                throw XrpcException.InvalidRequest("blob must be a CID");
            }

            var account = await FindAsync(query.Did, cancellationToken).ConfigureAwait(false);
            var info = await actors.ReadAsync(account.Did, (r, ct) => r.GetBlobAsync(blob, ct), cancellationToken).ConfigureAwait(false)
                ?? throw SubjectNotFound();
            return new SubjectStatusOutput(new RepoBlobRefView(account.Did, info.Cid), Status(info.TakedownRef));
        }

        if (query.Uri is { } uriText)
        {
            if (!Domain.Syntax.AtUri.TryParse(uriText, out var uri) || uri.Collection is null || uri.RecordKey is null)
            {
                throw XrpcException.InvalidRequest("uri must be the at:// URI of a record");
            }

            var account = await FindAsync(uri.Authority.ToString(), cancellationToken).ConfigureAwait(false);
            var record = await actors.ReadAsync(
                account.Did,
                (r, ct) => r.GetRecordAsync(uri.Collection.ToString(), uri.RecordKey.ToString(), ct),
                cancellationToken).ConfigureAwait(false) ?? throw SubjectNotFound();
            return new SubjectStatusOutput(new StrongRefView(record.Uri, record.Cid), Status(record.TakedownRef));
        }

        if (query.Did is { } did)
        {
            var account = await FindAsync(did, cancellationToken).ConfigureAwait(false);
            return new SubjectStatusOutput(new RepoRefView(account.Did), Status(account.TakedownRef), new StatusAttr(account.IsDeactivated));
        }

        throw XrpcException.InvalidRequest("No provided subject");
    }

    private async Task<AccountInfo> FindAsync(string didOrHandle, CancellationToken cancellationToken)
    {
        try
        {
            return await AdminAccountViews.FindAsync(accounts, didOrHandle, cancellationToken).ConfigureAwait(false);
        }
        catch (XrpcException)
        {
            throw SubjectNotFound();
        }
    }

    private static StatusAttr Status(string? takedownRef) => new(takedownRef is not null, takedownRef);

    private static XrpcException SubjectNotFound() => new(400, XrpcErrorNames.NotFound, "Subject not found");
}
