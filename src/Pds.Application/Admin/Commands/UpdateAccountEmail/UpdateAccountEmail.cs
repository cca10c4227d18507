using FluentValidation;
using Mediator;
using Pds.Application.Accounts;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;

namespace Pds.Application.Admin.Commands.UpdateAccountEmail;

/// <summary>com.atproto.admin.updateAccountEmail (<c>account</c>: handle or DID)</summary>
public sealed record UpdateAccountEmailCommand(string Account, string Email) : ICommand<Unit>;

public sealed class UpdateAccountEmailValidator : AbstractValidator<UpdateAccountEmailCommand>
{
    public UpdateAccountEmailValidator()
    {
        RuleFor(x => x.Account).NotEmpty();
        RuleFor(x => x.Email).Must(EmailAddress.IsSupported).WithMessage("This email address is not supported, please use a different email.");
    }
}

/// <summary>Sets a new, unconfirmed email and discards the codes mailed to the old one.</summary>
public sealed class UpdateAccountEmailHandler(IAccountStore accounts, IEmailTokenStore tokens, IUnitOfWork unitOfWork) : ICommandHandler<UpdateAccountEmailCommand, Unit>
{
    public async ValueTask<Unit> Handle(UpdateAccountEmailCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var account = await AdminAccountViews.FindAsync(accounts, command.Account, cancellationToken).ConfigureAwait(false);
        try
        {
            await unitOfWork.WriteAsync(
                async ct =>
                {
                    await accounts.UpdateEmailAsync(account.Did, command.Email.Trim(), ct).ConfigureAwait(false);
                    await tokens.DeleteAllAsync(account.Did, ct).ConfigureAwait(false);
                    return true;
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (AccountConflictException)
        {
            throw XrpcException.InvalidRequest("This email address is already in use, please use a different email.");
        }

        return Unit.Value;
    }
}
