using Mediator;
using Pds.Application.Common.Abstractions;

namespace Pds.Application.Server.Commands.RevokeAppPassword;

/// <summary>com.atproto.server.revokeAppPassword: removes the password and ends every session it opened.</summary>
public sealed record RevokeAppPasswordCommand(string Name) : ICommand<Unit>;

public sealed class RevokeAppPasswordHandler(IRequestContext request, IUnitOfWork unitOfWork, IAppPasswordStore store, IRefreshTokenStore refreshTokens)
    : ICommandHandler<RevokeAppPasswordCommand, Unit>
{
    public async ValueTask<Unit> Handle(RevokeAppPasswordCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var did = request.Credentials!.RequireDid();
        await unitOfWork.WriteAsync(
            async ct =>
            {
                await store.DeleteAsync(did, command.Name, ct).ConfigureAwait(false);
                return await refreshTokens.RevokeAllAsync(did, command.Name, ct).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
        return Unit.Value;
    }
}
