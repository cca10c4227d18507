using Mediator;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;

namespace Pds.Application.Admin.Commands.DisableInviteCodes;

/// <summary>com.atproto.admin.disableInviteCodes: the codes named, and every code of the accounts named.</summary>
public sealed record DisableInviteCodesCommand(IReadOnlyList<string>? Codes = null, IReadOnlyList<string>? Accounts = null) : ICommand<Unit>;

public sealed class DisableInviteCodesHandler(IInviteCodeStore store) : ICommandHandler<DisableInviteCodesCommand, Unit>
{
    public async ValueTask<Unit> Handle(DisableInviteCodesCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var accounts = command.Accounts ?? [];
        if (accounts.Contains("admin"))
        {
            throw XrpcException.InvalidRequest("cannot disable admin invite codes");
        }

        var codes = command.Codes ?? [];
        if (codes.Count > 0 || accounts.Count > 0)
        {
            await store.DisableAsync(codes, accounts, cancellationToken).ConfigureAwait(false);
        }

        return Unit.Value;
    }
}
