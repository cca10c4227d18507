using System.Text.Json;
using Mediator;
using Pds.Application.Common.Abstractions;
using Pds.Application.Identity;

namespace Pds.Application.Repo.Queries.DescribeRepo;

/// <summary>com.atproto.repo.describeRepo</summary>
public sealed record DescribeRepoQuery(string Repo) : IQuery<DescribeRepoOutput>;

public sealed record DescribeRepoOutput(string Handle, string Did, JsonElement? DidDoc, IReadOnlyList<string> Collections, bool HandleIsCorrect);

public sealed class DescribeRepoHandler(RepoAccess access, IActorStore actors, IDidResolver dids) : IQueryHandler<DescribeRepoQuery, DescribeRepoOutput>
{
    public async ValueTask<DescribeRepoOutput> Handle(DescribeRepoQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var account = await access.FindReadableAsync(query.Repo, cancellationToken).ConfigureAwait(false);
        var collections = await actors.ReadAsync(account.Did, (r, ct) => r.ListCollectionsAsync(ct), cancellationToken).ConfigureAwait(false);
        ResolvedDid? resolved = null;
        try
        {
            resolved = await dids.ResolveAsync(account.Did, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (IdentityResolutionException)
        {
            // Reported through handleIsCorrect = false and a missing document.
        }

        var handle = account.Handle ?? IdentityLookup.InvalidHandle;
        var handleIsCorrect = resolved is not null && string.Equals(resolved.Document.GetHandle()?.ToString(), account.Handle, StringComparison.Ordinal);
        return new DescribeRepoOutput(handle, account.Did, resolved is null ? null : IdentityLookup.ToJson(resolved.Json), collections, handleIsCorrect);
    }
}
