using Mediator;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;
using Pds.Domain.Data;
using Pds.Domain.Repo.Car;
using Pds.Domain.Syntax;

namespace Pds.Application.Sync.Queries.GetRepo;

/// <summary>com.atproto.sync.getRepo: the repository as a CAR, or with <c>since</c> only the blocks written after that revision.</summary>
public sealed record GetRepoQuery(string Did, string? Since = null) : IQuery<CarOutput>;

/// <summary>
/// Streams the CAR straight from the database: the head commit first, then every other block as the
/// rows arrive, so memory stays flat whatever the repository's size.
/// </summary>
public sealed class GetRepoHandler(SyncAccess access, IActorStore actors) : IQueryHandler<GetRepoQuery, CarOutput>
{
    public async ValueTask<CarOutput> Handle(GetRepoQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Since is not null && !Tid.IsValid(query.Since))
        {
            throw XrpcException.InvalidRequest("since must be a TID");
        }

        var (account, root) = await access.FindAvailableAsync(query.Did, cancellationToken).ConfigureAwait(false);
        var head = Cid.Parse(root.Cid);
        return new CarOutput((stream, ct) => actors.StreamAsync(
            account.Did,
            async (reader, innerCt) =>
            {
                var headBytes = await reader.GetBlockAsync(root.Cid, innerCt).ConfigureAwait(false)
                    ?? throw new InvalidOperationException("The head commit is missing.");
                var writer = new CarWriter(stream);
                await using (writer.ConfigureAwait(false))
                {
                    await writer.WriteHeaderAsync([head], innerCt).ConfigureAwait(false);
                    await writer.WriteBlockAsync(head, headBytes, innerCt).ConfigureAwait(false);
                    await reader.WriteBlocksAsync(writer, query.Since, skipCid: root.Cid, innerCt).ConfigureAwait(false);
                }

                return true;
            },
            ct));
    }
}
