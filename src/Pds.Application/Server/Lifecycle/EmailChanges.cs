using FluentValidation;
using Mediator;
using Pds.Application.Accounts;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;

namespace Pds.Application.Server.Lifecycle;

/// <summary>com.atproto.server.requestEmailConfirmation</summary>
public sealed record RequestEmailConfirmationCommand : ICommand<Unit>;

public sealed class RequestEmailConfirmationHandler(IRequestContext request, IAccountStore accounts, IEmailTokenStore tokens, IMailer mailer)
    : ICommandHandler<RequestEmailConfirmationCommand, Unit>
{
    public async ValueTask<Unit> Handle(RequestEmailConfirmationCommand command, CancellationToken cancellationToken)
    {
        var did = request.Credentials!.RequireDid();
        var account = await accounts.GetByDidAsync(did, cancellationToken).ConfigureAwait(false)
            ?? throw XrpcException.InvalidRequest("Account not found");
        if (account.Email is null)
        {
            throw XrpcException.InvalidRequest("Account does not have an email address");
        }

        var token = await tokens.CreateAsync(did, EmailTokenPurpose.ConfirmEmail, cancellationToken).ConfigureAwait(false);
        await mailer.SendAsync(AccountMail.ConfirmEmail(account.Email, SessionViews.HandleOf(account), token), cancellationToken).ConfigureAwait(false);
        return Unit.Value;
    }
}

/// <summary>com.atproto.server.confirmEmail</summary>
public sealed record ConfirmEmailCommand(string Email, string Token) : ICommand<Unit>;

public sealed class ConfirmEmailHandler(IRequestContext request, IAccountStore accounts, IEmailTokenStore tokens, TimeProvider clock)
    : ICommandHandler<ConfirmEmailCommand, Unit>
{
    public async ValueTask<Unit> Handle(ConfirmEmailCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var did = request.Credentials!.RequireDid();
        var account = await accounts.GetByDidAsync(did, cancellationToken).ConfigureAwait(false)
            ?? throw new XrpcException(400, "AccountNotFound", "Account not found");
        if (account.Email is null || !string.Equals(account.Email, command.Email?.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            throw new XrpcException(400, "InvalidEmail", "Invalid email");
        }

        EmailTokenErrors.Ensure(await tokens.ConsumeAsync(did, EmailTokenPurpose.ConfirmEmail, command.Token ?? string.Empty, cancellationToken).ConfigureAwait(false));
        await accounts.SetEmailConfirmedAsync(did, clock.GetUtcNow().UtcDateTime, cancellationToken).ConfigureAwait(false);
        return Unit.Value;
    }
}

/// <summary>com.atproto.server.requestEmailUpdate: a code to the current address is needed only once it is confirmed.</summary>
public sealed record RequestEmailUpdateCommand : ICommand<RequestEmailUpdateOutput>;

public sealed record RequestEmailUpdateOutput(bool TokenRequired);

public sealed class RequestEmailUpdateHandler(IRequestContext request, IAccountStore accounts, IEmailTokenStore tokens, IMailer mailer)
    : ICommandHandler<RequestEmailUpdateCommand, RequestEmailUpdateOutput>
{
    public async ValueTask<RequestEmailUpdateOutput> Handle(RequestEmailUpdateCommand command, CancellationToken cancellationToken)
    {
        var did = request.Credentials!.RequireDid();
        var account = await accounts.GetByDidAsync(did, cancellationToken).ConfigureAwait(false)
            ?? throw XrpcException.InvalidRequest("Account not found");
        var tokenRequired = account.EmailConfirmedAt is not null;
        if (tokenRequired && account.Email is { } email)
        {
            var token = await tokens.CreateAsync(did, EmailTokenPurpose.UpdateEmail, cancellationToken).ConfigureAwait(false);
            await mailer.SendAsync(AccountMail.UpdateEmail(email, SessionViews.HandleOf(account), token), cancellationToken).ConfigureAwait(false);
        }

        return new RequestEmailUpdateOutput(tokenRequired);
    }
}

/// <summary>com.atproto.server.updateEmail</summary>
public sealed record UpdateEmailCommand(string Email, bool? EmailAuthFactor = null, string? Token = null) : ICommand<Unit>;

public sealed class UpdateEmailValidator : AbstractValidator<UpdateEmailCommand>
{
    public UpdateEmailValidator()
    {
        RuleFor(x => x.Email).Must(EmailAddress.IsSupported).WithErrorCode("InvalidRequest").WithMessage("This email address is not supported, please use a different email.");
    }
}

public sealed class UpdateEmailHandler(IRequestContext request, IAccountStore accounts, IEmailTokenStore tokens) : ICommandHandler<UpdateEmailCommand, Unit>
{
    public async ValueTask<Unit> Handle(UpdateEmailCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var did = request.Credentials!.RequireDid();
        var account = await accounts.GetByDidAsync(did, cancellationToken).ConfigureAwait(false)
            ?? throw XrpcException.InvalidRequest("Account not found");
        if (account.EmailConfirmedAt is not null)
        {
            if (string.IsNullOrEmpty(command.Token))
            {
                throw new XrpcException(400, "TokenRequired", "confirmation token required");
            }

            EmailTokenErrors.Ensure(await tokens.ConsumeAsync(did, EmailTokenPurpose.UpdateEmail, command.Token, cancellationToken).ConfigureAwait(false));
        }

        try
        {
            await accounts.UpdateEmailAsync(did, command.Email.Trim(), cancellationToken).ConfigureAwait(false);
        }
        catch (AccountConflictException)
        {
            throw XrpcException.InvalidRequest("This email address is already in use, please use a different email.");
        }

        // Codes mailed to the old address (a password reset, say) must not outlive the change.
        await tokens.DeleteAllAsync(did, cancellationToken).ConfigureAwait(false);
        return Unit.Value;
    }
}
