using Mediator;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;
using Pds.Domain.Syntax;

namespace Pds.Application.Server.Commands.ReserveSigningKey;

/// <summary>com.atproto.server.reserveSigningKey: a repo signing key held for an account still to be created here.</summary>
public sealed record ReserveSigningKeyCommand(string? Did = null) : ICommand<ReserveSigningKeyOutput>;

public sealed record ReserveSigningKeyOutput(string SigningKey);

public sealed class ReserveSigningKeyHandler(IRepoKeyStore keys) : ICommandHandler<ReserveSigningKeyCommand, ReserveSigningKeyOutput>
{
    public async ValueTask<ReserveSigningKeyOutput> Handle(ReserveSigningKeyCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Did is { } did && !Did.TryParse(did, out _))
        {
            throw XrpcException.InvalidRequest("did must be a valid DID");
        }

        return new ReserveSigningKeyOutput(await keys.ReserveAsync(command.Did, cancellationToken).ConfigureAwait(false));
    }
}
