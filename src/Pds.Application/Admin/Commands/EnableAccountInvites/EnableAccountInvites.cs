using FluentValidation;
using Mediator;
using Pds.Application.Admin.Commands.DisableAccountInvites;
using Pds.Application.Common.Abstractions;

namespace Pds.Application.Admin.Commands.EnableAccountInvites;

/// <summary>com.atproto.admin.enableAccountInvites (the note is accepted and not kept)</summary>
public sealed record EnableAccountInvitesCommand(string Account, string? Note = null) : ICommand<Unit>;

public sealed class EnableAccountInvitesValidator : AbstractValidator<EnableAccountInvitesCommand>
{
    public EnableAccountInvitesValidator() => RuleFor(x => x.Account).Must(d => Domain.Syntax.Did.TryParse(d, out _)).WithMessage("account must be a DID");
}

public sealed class EnableAccountInvitesHandler(IAccountStore accounts) : ICommandHandler<EnableAccountInvitesCommand, Unit>
{
    public async ValueTask<Unit> Handle(EnableAccountInvitesCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        await AccountInvites.SetDisabledAsync(accounts, command.Account, false, cancellationToken).ConfigureAwait(false);
        return Unit.Value;
    }
}
