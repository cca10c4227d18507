using FluentValidation;
using Mediator;
using Pds.Application.Accounts;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;
using Pds.Application.Identity;
using Pds.Domain.Events;
using Pds.Domain.Identity;

namespace Pds.Application.Admin.Commands.UpdateAccountHandle;

/// <summary>com.atproto.admin.updateAccountHandle</summary>
public sealed record UpdateAccountHandleCommand(string Did, string Handle) : ICommand<Unit>;

public sealed class UpdateAccountHandleValidator : AbstractValidator<UpdateAccountHandleCommand>
{
    public UpdateAccountHandleValidator() => RuleFor(x => x.Did).Must(d => Domain.Syntax.Did.TryParse(d, out _)).WithMessage("did must be a DID");
}

/// <summary>
/// Sets an account's handle as com.atproto.identity.updateHandle does for its owner: the same
/// checks, the did:plc document updated through the PLC directory, then the handle stored with an
/// <c>#identity</c> event in one transaction.
/// </summary>
public sealed class UpdateAccountHandleHandler(
    IAccountStore accounts,
    IUnitOfWork unitOfWork,
    ISequencer sequencer,
    HandlePolicy handles,
    PlcIdentity plc,
    TimeProvider clock) : ICommandHandler<UpdateAccountHandleCommand, Unit>
{
    public async ValueTask<Unit> Handle(UpdateAccountHandleCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var account = await accounts.GetByDidAsync(command.Did, cancellationToken).ConfigureAwait(false)
            ?? throw AdminAccountViews.AccountNotFound();
        var handle = await handles.NormalizeAndValidateAsync(command.Handle, account.Did, cancellationToken).ConfigureAwait(false);
        var holder = await accounts.GetByHandleAsync(handle, cancellationToken).ConfigureAwait(false);
        if (holder is not null && holder.Did != account.Did)
        {
            throw new XrpcException(400, "HandleNotAvailable", $"Handle already taken: {handle}");
        }

        if (PlcDid.IsValid(account.Did))
        {
            await plc.UpdateHandleAsync(account.Did, handle, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await unitOfWork.WriteAsync(
                async ct =>
                {
                    await accounts.UpdateHandleAsync(account.Did, handle, ct).ConfigureAwait(false);
                    return await sequencer.AppendAsync(
                        new IdentityEvent(Domain.Syntax.Did.Parse(account.Did), Domain.Syntax.Handle.Parse(handle), clock.GetUtcNow()), ct).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (AccountConflictException)
        {
            throw new XrpcException(400, "HandleNotAvailable", $"Handle already taken: {handle}");
        }

        return Unit.Value;
    }
}
