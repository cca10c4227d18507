using Mediator;
using Pds.Application.Accounts;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;

namespace Pds.Application.Identity.Commands.RequestPlcOperationSignature;

/// <summary>com.atproto.identity.requestPlcOperationSignature: emails a token that authorises one signPlcOperation.</summary>
public sealed record RequestPlcOperationSignatureCommand : ICommand<Unit>;

public sealed class RequestPlcOperationSignatureHandler(IRequestContext request, IAccountStore accounts, IEmailTokenStore tokens, IMailer mailer)
    : ICommandHandler<RequestPlcOperationSignatureCommand, Unit>
{
    public async ValueTask<Unit> Handle(RequestPlcOperationSignatureCommand command, CancellationToken cancellationToken)
    {
        var did = request.Credentials!.RequireDid();
        var account = await accounts.GetByDidAsync(did, cancellationToken).ConfigureAwait(false)
            ?? throw XrpcException.InvalidRequest("Account not found");
        if (account.Email is null)
        {
            throw XrpcException.InvalidRequest("Account does not have an email address");
        }

        var token = await tokens.CreateAsync(did, EmailTokenPurpose.PlcOperation, cancellationToken).ConfigureAwait(false);
        await mailer.SendAsync(AccountMail.PlcOperation(account.Email, SessionViews.HandleOf(account), token), cancellationToken).ConfigureAwait(false);
        return Unit.Value;
    }
}
