using FluentValidation;
using Mediator;
using Pds.Application.Accounts;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.RateLimits;
using Pds.Domain.Auth;

namespace Pds.Application.Server.Lifecycle;

/// <summary>com.atproto.server.requestPasswordReset: always succeeds, so it cannot be used to find accounts.</summary>
public sealed record RequestPasswordResetCommand(string Email) : ICommand<Unit>, IRateLimited
{
    public IEnumerable<RateLimitCharge> RateLimitCharges(Pds.Application.Common.Abstractions.IRequestContext request) =>
        [new(RateLimitPolicies.PasswordReset, request?.ClientIp ?? "unknown")];
}

public sealed class RequestPasswordResetHandler(IAccountStore accounts, IEmailTokenStore tokens, IMailer mailer) : ICommandHandler<RequestPasswordResetCommand, Unit>
{
    public async ValueTask<Unit> Handle(RequestPasswordResetCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var account = await accounts.GetByEmailAsync(command.Email.Trim(), cancellationToken).ConfigureAwait(false);
        if (account?.Email is { } email)
        {
            var token = await tokens.CreateAsync(account.Did, EmailTokenPurpose.ResetPassword, cancellationToken).ConfigureAwait(false);
            await mailer.SendAsync(AccountMail.ResetPassword(email, SessionViews.HandleOf(account), token), cancellationToken).ConfigureAwait(false);
        }

        return Unit.Value;
    }
}

/// <summary>com.atproto.server.resetPassword: sets the new password and ends every session of the account.</summary>
public sealed record ResetPasswordCommand(string Token, string Password) : ICommand<Unit>, IRateLimited
{
    public IEnumerable<RateLimitCharge> RateLimitCharges(Pds.Application.Common.Abstractions.IRequestContext request) =>
        [new(RateLimitPolicies.PasswordReset, request?.ClientIp ?? "unknown")];
}

public sealed class ResetPasswordValidator : AbstractValidator<ResetPasswordCommand>
{
    public ResetPasswordValidator()
    {
        RuleFor(x => x.Token).NotEmpty();
        RuleFor(x => x.Password).NotEmpty().MaximumLength(PasswordHasher.NewPasswordMaxLength);
    }
}

public sealed class ResetPasswordHandler(IAccountStore accounts, IEmailTokenStore tokens, IRefreshTokenStore refreshTokens, IUnitOfWork unitOfWork)
    : ICommandHandler<ResetPasswordCommand, Unit>
{
    public async ValueTask<Unit> Handle(ResetPasswordCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var (check, did) = await tokens.ConsumeAnyAsync(EmailTokenPurpose.ResetPassword, command.Token, cancellationToken).ConfigureAwait(false);
        EmailTokenErrors.Ensure(check);
        var hash = await PasswordHasher.HashAsync(command.Password, cancellationToken).ConfigureAwait(false);
        await unitOfWork.WriteAsync(
            async ct =>
            {
                await accounts.UpdatePasswordHashAsync(did!, hash, ct).ConfigureAwait(false);
                return await refreshTokens.RevokeAllAsync(did!, null, ct).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
        return Unit.Value;
    }
}
