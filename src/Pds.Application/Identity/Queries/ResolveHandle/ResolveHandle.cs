using Mediator;
using Pds.Application.Common.Errors;
using Pds.Domain.Syntax;

namespace Pds.Application.Identity.Queries.ResolveHandle;

/// <summary>com.atproto.identity.resolveHandle</summary>
public sealed record ResolveHandleQuery(string Handle) : IQuery<ResolveHandleOutput>;

public sealed record ResolveHandleOutput(string Did);

public sealed class ResolveHandleHandler(IdentityLookup lookup) : IQueryHandler<ResolveHandleQuery, ResolveHandleOutput>
{
    public async ValueTask<ResolveHandleOutput> Handle(ResolveHandleQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (!Domain.Syntax.Handle.TryParse(query.Handle, out var handle))
        {
            throw XrpcException.InvalidRequest("handle must be a valid handle");
        }

        var did = await lookup.ResolveHandleAsync(handle.ToString(), cancellationToken).ConfigureAwait(false)
            ?? throw new XrpcException(400, "HandleNotFound", "Unable to resolve handle");
        return new ResolveHandleOutput(did);
    }
}
