using Mediator;
using Pds.Application.Common.Abstractions;

namespace Pds.Application.Server.Commands.DeleteSession;

/// <summary>com.atproto.server.deleteSession (authenticated by the refresh token): ends the session.</summary>
public sealed record DeleteSessionCommand : ICommand<Unit>;

public sealed class DeleteSessionHandler(IRequestContext request, IRefreshTokenStore refreshTokens) : ICommandHandler<DeleteSessionCommand, Unit>
{
    public async ValueTask<Unit> Handle(DeleteSessionCommand command, CancellationToken cancellationToken)
    {
        var credentials = request.Credentials ?? throw new InvalidOperationException("deleteSession requires refresh credentials.");
        await refreshTokens.RevokeAsync(credentials.TokenId!, cancellationToken).ConfigureAwait(false);
        return Unit.Value;
    }
}
