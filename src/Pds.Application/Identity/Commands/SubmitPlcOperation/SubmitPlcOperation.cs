using System.Text.Json;
using Mediator;
using Pds.Application.Accounts;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Application.Common.Errors;
using Pds.Domain.Events;
using Pds.Domain.Identity;

namespace Pds.Application.Identity.Commands.SubmitPlcOperation;

/// <summary>com.atproto.identity.submitPlcOperation</summary>
public sealed record SubmitPlcOperationCommand(JsonElement Operation) : ICommand<Unit>;

/// <summary>
/// Submits a signed operation for the account's DID after checking it leaves the account hosted
/// here: this server's rotation key kept, the repo signing key, the account's handle first in
/// <c>alsoKnownAs</c>, and the <c>atproto_pds</c> service pointing at this server. Announces the
/// change with an <c>#identity</c> event.
/// </summary>
public sealed class SubmitPlcOperationHandler(
    IRequestContext request,
    IAccountStore accounts,
    IRepoKeyStore keys,
    IUnitOfWork unitOfWork,
    ISequencer sequencer,
    IDidResolver dids,
    PlcIdentity plc,
    ServiceKeys serviceKeys,
    PdsOptions options,
    TimeProvider clock) : ICommandHandler<SubmitPlcOperationCommand, Unit>
{
    public async ValueTask<Unit> Handle(SubmitPlcOperationCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var did = request.Credentials!.RequireDid();
        PlcRegularOperation op;
        try
        {
            op = PlcOperation.FromJson(command.Operation) as PlcRegularOperation
                ?? throw XrpcException.InvalidRequest("Invalid operation");
        }
        catch (Exception e) when (e is PlcValidationException or FormatException or JsonException or Domain.Data.DataModelException)
        {
            throw XrpcException.InvalidRequest("Invalid operation");
        }

        if (!op.RotationKeys.Contains(serviceKeys.PlcRotationKey.DidKey()))
        {
            throw XrpcException.InvalidRequest("Rotation keys do not include server's rotation key");
        }

        if (!op.Services.TryGetValue(PlcOperation.AtprotoPdsService, out var pds) || pds.Type != PlcOperation.AtprotoPdsServiceType)
        {
            throw XrpcException.InvalidRequest("Incorrect type on atproto_pds service");
        }

        if (pds.Endpoint.TrimEnd('/') != options.Service.PublicUrl.GetLeftPart(UriPartial.Authority))
        {
            throw XrpcException.InvalidRequest("Incorrect endpoint on atproto_pds service");
        }

        using (var key = await keys.GetAsync(did, cancellationToken).ConfigureAwait(false))
        {
            if (key is null || op.VerificationMethods.GetValueOrDefault(PlcOperation.AtprotoVerificationMethod) != key.DidKey())
            {
                throw XrpcException.InvalidRequest("Incorrect signing key");
            }
        }

        var account = await accounts.GetByDidAsync(did, cancellationToken).ConfigureAwait(false);
        if (account?.Handle is { } handle && (op.AlsoKnownAs.Count == 0 || op.AlsoKnownAs[0] != "at://" + handle))
        {
            throw XrpcException.InvalidRequest("Incorrect handle in alsoKnownAs");
        }

        await plc.SendAsync(did, op, cancellationToken).ConfigureAwait(false);
        await unitOfWork.WriteAsync(
            ct => sequencer.AppendAsync(
                new IdentityEvent(Domain.Syntax.Did.Parse(did), account?.Handle is { } h ? Domain.Syntax.Handle.Parse(h) : null, clock.GetUtcNow()), ct),
            cancellationToken).ConfigureAwait(false);
        try
        {
            await dids.ResolveAsync(did, forceRefresh: true, cancellationToken).ConfigureAwait(false);
        }
        catch (IdentityResolutionException)
        {
            // The cache refresh is best effort; the directory already accepted the operation.
        }

        return Unit.Value;
    }
}
