using FluentValidation;
using Mediator;
using Pds.Application.Common.Abstractions;
using Pds.Domain.Auth;

namespace Pds.Application.Admin.Commands.UpdateAccountPassword;

/// <summary>com.atproto.admin.updateAccountPassword</summary>
public sealed record UpdateAccountPasswordCommand(string Did, string Password) : ICommand<Unit>;

public sealed class UpdateAccountPasswordValidator : AbstractValidator<UpdateAccountPasswordCommand>
{
    public UpdateAccountPasswordValidator()
    {
        RuleFor(x => x.Did).Must(d => Domain.Syntax.Did.TryParse(d, out _)).WithMessage("did must be a DID");
        RuleFor(x => x.Password).NotEmpty().MaximumLength(PasswordHasher.NewPasswordMaxLength);
    }
}

/// <summary>Sets the password and signs every session out (its refresh tokens are revoked), in one transaction.</summary>
public sealed class UpdateAccountPasswordHandler(IAccountStore accounts, IRefreshTokenStore refreshTokens, IUnitOfWork unitOfWork)
    : ICommandHandler<UpdateAccountPasswordCommand, Unit>
{
    public async ValueTask<Unit> Handle(UpdateAccountPasswordCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var account = await accounts.GetByDidAsync(command.Did, cancellationToken).ConfigureAwait(false)
            ?? throw AdminAccountViews.AccountNotFound();
        var hash = await PasswordHasher.HashAsync(command.Password, cancellationToken).ConfigureAwait(false);
        await unitOfWork.WriteAsync(
            async ct =>
            {
                await accounts.UpdatePasswordHashAsync(account.Did, hash, ct).ConfigureAwait(false);
                return await refreshTokens.RevokeAllAsync(account.Did, null, ct).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
        return Unit.Value;
    }
}
