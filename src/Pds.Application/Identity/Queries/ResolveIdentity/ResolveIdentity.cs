using Mediator;

namespace Pds.Application.Identity.Queries.ResolveIdentity;

/// <summary>com.atproto.identity.resolveIdentity</summary>
public sealed record ResolveIdentityQuery(string Identifier) : IQuery<IdentityInfo>;

public sealed class ResolveIdentityHandler(IdentityLookup lookup) : IQueryHandler<ResolveIdentityQuery, IdentityInfo>
{
    public async ValueTask<IdentityInfo> Handle(ResolveIdentityQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return await lookup.ResolveIdentityAsync(query.Identifier, forceRefresh: false, cancellationToken).ConfigureAwait(false);
    }
}
