using FluentValidation;
using Mediator;
using Pds.Application.Common.Abstractions;
using Pds.Application.Server.Lifecycle;

namespace Pds.Application.Admin.Commands.DeleteAccount;

/// <summary>com.atproto.admin.deleteAccount</summary>
public sealed record AdminDeleteAccountCommand(string Did) : ICommand<Unit>;

public sealed class AdminDeleteAccountValidator : AbstractValidator<AdminDeleteAccountCommand>
{
    public AdminDeleteAccountValidator() => RuleFor(x => x.Did).Must(d => Domain.Syntax.Did.TryParse(d, out _)).WithMessage("did must be a DID");
}

/// <summary>Deletes the account as com.atproto.server.deleteAccount does, without its password or emailed code.</summary>
public sealed class AdminDeleteAccountHandler(IAccountStore accounts, AccountRemover remover) : ICommandHandler<AdminDeleteAccountCommand, Unit>
{
    public async ValueTask<Unit> Handle(AdminDeleteAccountCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var account = await accounts.GetByDidAsync(command.Did, cancellationToken).ConfigureAwait(false)
            ?? throw AdminAccountViews.AccountNotFound();
        await remover.RemoveAsync(account.Did, cancellationToken).ConfigureAwait(false);
        return Unit.Value;
    }
}
