using System.Text.Json;
using Mediator;
using Pds.Application.Common.Errors;
using Pds.Domain.Syntax;

namespace Pds.Application.Identity.Queries.ResolveDid;

/// <summary>com.atproto.identity.resolveDid</summary>
public sealed record ResolveDidQuery(string Did) : IQuery<ResolveDidOutput>;

public sealed record ResolveDidOutput(JsonElement DidDoc);

public sealed class ResolveDidHandler(IdentityLookup lookup) : IQueryHandler<ResolveDidQuery, ResolveDidOutput>
{
    public async ValueTask<ResolveDidOutput> Handle(ResolveDidQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (!Domain.Syntax.Did.TryParse(query.Did, out _))
        {
            throw XrpcException.InvalidRequest("did must be a valid DID");
        }

        var resolved = await lookup.ResolveDidAsync(query.Did, forceRefresh: false, cancellationToken).ConfigureAwait(false);
        return new ResolveDidOutput(IdentityLookup.ToJson(resolved.Json));
    }
}
