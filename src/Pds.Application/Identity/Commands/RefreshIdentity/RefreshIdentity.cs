using Mediator;

namespace Pds.Application.Identity.Commands.RefreshIdentity;

/// <summary>com.atproto.identity.refreshIdentity: resolves afresh, bypassing cached documents.</summary>
public sealed record RefreshIdentityCommand(string Identifier) : ICommand<IdentityInfo>;

public sealed class RefreshIdentityHandler(IdentityLookup lookup) : ICommandHandler<RefreshIdentityCommand, IdentityInfo>
{
    public async ValueTask<IdentityInfo> Handle(RefreshIdentityCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        return await lookup.ResolveIdentityAsync(command.Identifier, forceRefresh: true, cancellationToken).ConfigureAwait(false);
    }
}
