using FluentValidation;
using Mediator;
using Pds.Application.Accounts;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;
using Pds.Application.Common.RateLimits;
using Pds.Application.Repo;
using Pds.Domain.Auth;
using Pds.Domain.Events;

namespace Pds.Application.Server.Lifecycle;

/// <summary>com.atproto.server.requestAccountDelete: emails the code deleteAccount requires.</summary>
public sealed record RequestAccountDeleteCommand : ICommand<Unit>;

public sealed class RequestAccountDeleteHandler(IRequestContext request, IAccountStore accounts, IEmailTokenStore tokens, IMailer mailer)
    : ICommandHandler<RequestAccountDeleteCommand, Unit>
{
    public async ValueTask<Unit> Handle(RequestAccountDeleteCommand command, CancellationToken cancellationToken)
    {
        var did = request.Credentials!.RequireDid();
        var account = await accounts.GetByDidAsync(did, cancellationToken).ConfigureAwait(false)
            ?? throw XrpcException.InvalidRequest("Account not found");
        if (account.Email is null)
        {
            throw XrpcException.InvalidRequest("Account does not have an email address");
        }

        var token = await tokens.CreateAsync(did, EmailTokenPurpose.DeleteAccount, cancellationToken).ConfigureAwait(false);
        await mailer.SendAsync(AccountMail.DeleteAccount(account.Email, SessionViews.HandleOf(account), token), cancellationToken).ConfigureAwait(false);
        return Unit.Value;
    }
}

/// <summary>com.atproto.server.deleteAccount (no session: the password and the emailed code authorise it).</summary>
public sealed record DeleteAccountCommand(string Did, string Password, string Token) : ICommand<Unit>, IRateLimited
{
    public IEnumerable<RateLimitCharge> RateLimitCharges(Pds.Application.Common.Abstractions.IRequestContext request) =>
        [new(RateLimitPolicies.DeleteAccount, request?.ClientIp ?? "unknown")];
}

public sealed class DeleteAccountValidator : AbstractValidator<DeleteAccountCommand>
{
    public DeleteAccountValidator()
    {
        RuleFor(x => x.Did).NotEmpty();
        RuleFor(x => x.Password).NotEmpty().MaximumLength(PasswordHasher.OldPasswordMaxLength);
        RuleFor(x => x.Token).NotEmpty();
    }
}

/// <summary>
/// Deletes the account and all its data in one transaction, removes its earlier firehose events and
/// announces <c>#account</c> with status <c>deleted</c>, as the reference PDS does.
/// </summary>
public sealed class DeleteAccountHandler(
    IAccountStore accounts,
    IEmailTokenStore tokens,
    AccountRemover remover) : ICommandHandler<DeleteAccountCommand, Unit>
{
    public async ValueTask<Unit> Handle(DeleteAccountCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var account = await accounts.GetByDidAsync(command.Did, cancellationToken).ConfigureAwait(false);
        var hash = account is null ? null : await accounts.GetPasswordHashAsync(account.Did, cancellationToken).ConfigureAwait(false);
        if (account is null || !await PasswordHasher.VerifyAsync(command.Password, hash, cancellationToken).ConfigureAwait(false))
        {
            throw new XrpcException(401, XrpcErrorNames.AuthenticationRequired, "Invalid did or password");
        }

        EmailTokenErrors.Ensure(await tokens.ConsumeAsync(account.Did, EmailTokenPurpose.DeleteAccount, command.Token, cancellationToken).ConfigureAwait(false));
        await remover.RemoveAsync(account.Did, cancellationToken).ConfigureAwait(false);
        return Unit.Value;
    }
}

/// <summary>
/// Deletes an account and all its data in one transaction, removes its earlier firehose events and
/// announces <c>#account</c> with status <c>deleted</c> (the owner's deleteAccount and the admin's).
/// </summary>
public sealed class AccountRemover(IAccountStore accounts, IUnitOfWork unitOfWork, ISequencer sequencer, RepoSigningKeyCache keyCache, RepoBlockCache blockCache, TimeProvider clock)
{
    public async Task RemoveAsync(string did, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await unitOfWork.WriteAsync(
            async ct =>
            {
                await accounts.DeleteAsync(did, ct).ConfigureAwait(false);
                await sequencer.DeleteForAccountAsync(did, ct).ConfigureAwait(false);
                return await sequencer.AppendAsync(new AccountEvent(Domain.Syntax.Did.Parse(did), false, AccountStatusView.Deleted, now), ct).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
        keyCache.Forget(did);
        blockCache.Forget(did);
    }
}
