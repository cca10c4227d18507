using FluentValidation;
using Mediator;
using Pds.Application.Common.Abstractions;

namespace Pds.Application.Admin.Commands.DisableAccountInvites;

/// <summary>com.atproto.admin.disableAccountInvites (the note is accepted and not kept)</summary>
public sealed record DisableAccountInvitesCommand(string Account, string? Note = null) : ICommand<Unit>;

public sealed class DisableAccountInvitesValidator : AbstractValidator<DisableAccountInvitesCommand>
{
    public DisableAccountInvitesValidator() => RuleFor(x => x.Account).Must(d => Domain.Syntax.Did.TryParse(d, out _)).WithMessage("account must be a DID");
}

public sealed class DisableAccountInvitesHandler(IAccountStore accounts) : ICommandHandler<DisableAccountInvitesCommand, Unit>
{
    public async ValueTask<Unit> Handle(DisableAccountInvitesCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        await AccountInvites.SetDisabledAsync(accounts, command.Account, true, cancellationToken).ConfigureAwait(false);
        return Unit.Value;
    }
}

internal static class AccountInvites
{
    public static async Task SetDisabledAsync(IAccountStore accounts, string did, bool disabled, CancellationToken cancellationToken)
    {
        _ = await accounts.GetByDidAsync(did, cancellationToken).ConfigureAwait(false) ?? throw AdminAccountViews.AccountNotFound();
        await accounts.SetInvitesDisabledAsync(did, disabled, cancellationToken).ConfigureAwait(false);
    }
}
