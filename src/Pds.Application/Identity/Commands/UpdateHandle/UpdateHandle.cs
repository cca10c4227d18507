using Mediator;
using Pds.Application.Accounts;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;
using Pds.Application.Common.RateLimits;
using Pds.Domain.Events;
using Pds.Domain.Identity;

namespace Pds.Application.Identity.Commands.UpdateHandle;

/// <summary>com.atproto.identity.updateHandle</summary>
public sealed record UpdateHandleCommand(string Handle) : ICommand<Unit>, IRateLimited
{
    public IEnumerable<RateLimitCharge> RateLimitCharges(Pds.Application.Common.Abstractions.IRequestContext request)
    {
        var key = request?.Credentials?.Did ?? request?.ClientIp ?? "unknown";
        return [new(RateLimitPolicies.UpdateHandle5Min, key), new(RateLimitPolicies.UpdateHandleDay, key)];
    }
}

/// <summary>
/// Changes the account's handle: checked like a new one (a handle outside the service domains must
/// already resolve to the account), written to the did:plc document through the PLC directory, then
/// stored with an <c>#identity</c> event in one transaction. Setting the current handle again
/// re-announces it, which lets a user repair stale caches downstream.
/// </summary>
public sealed class UpdateHandleHandler(
    IRequestContext request,
    IAccountStore accounts,
    IUnitOfWork unitOfWork,
    ISequencer sequencer,
    HandlePolicy handles,
    PlcIdentity plc,
    TimeProvider clock) : ICommandHandler<UpdateHandleCommand, Unit>
{
    public async ValueTask<Unit> Handle(UpdateHandleCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var did = request.Credentials!.RequireDid();
        var handle = await handles.NormalizeAndValidateAsync(command.Handle, did, cancellationToken).ConfigureAwait(false);
        var holder = await accounts.GetByHandleAsync(handle, cancellationToken).ConfigureAwait(false);
        if (holder is not null && holder.Did != did)
        {
            throw new XrpcException(400, "HandleNotAvailable", $"Handle already taken: {handle}");
        }

        if (PlcDid.IsValid(did))
        {
            await plc.UpdateHandleAsync(did, handle, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await unitOfWork.WriteAsync(
                async ct =>
                {
                    await accounts.UpdateHandleAsync(did, handle, ct).ConfigureAwait(false);
                    return await sequencer.AppendAsync(
                        new IdentityEvent(Domain.Syntax.Did.Parse(did), Domain.Syntax.Handle.Parse(handle), clock.GetUtcNow()), ct).ConfigureAwait(false);
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
