using System.Text.Json;
using Mediator;
using Microsoft.Extensions.Logging;
using Pds.Application.Accounts;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Application.Common.Errors;
using Pds.Application.Common.RateLimits;
using Pds.Domain.Auth;
using Pds.Domain.Crypto;
using Pds.Domain.Events;
using Pds.Domain.Identity;
using Pds.Domain.Repo;
using Pds.Domain.Syntax;

namespace Pds.Application.Server.Commands.CreateAccount;

/// <summary>com.atproto.server.createAccount</summary>
public sealed record CreateAccountCommand(
    string Handle,
    string? Email = null,
    string? Did = null,
    string? InviteCode = null,
    string? VerificationCode = null,
    string? VerificationPhone = null,
    string? Password = null,
    string? RecoveryKey = null,
    JsonElement? PlcOp = null) : ICommand<CreateAccountOutput>, IRateLimited
{
    public IEnumerable<RateLimitCharge> RateLimitCharges(Pds.Application.Common.Abstractions.IRequestContext request) =>
        [new(RateLimitPolicies.CreateAccount, request?.ClientIp ?? "unknown")];
}

public sealed record CreateAccountOutput(string AccessJwt, string RefreshJwt, string Handle, string Did, JsonElement? DidDoc);

/// <summary>
/// Creates an account: a new did:plc registered with the PLC directory (the server's rotation key
/// included), a did:web hosted here (<c>did:web:&lt;handle&gt;</c>), a bring-your-own did:web whose
/// document already names this server and a reserved key, or — with service auth from the DID — a
/// deactivated account for a migration. The account, its encrypted key, the empty genesis commit,
/// the first session and the <c>#identity</c>, <c>#account</c>, <c>#commit</c>, <c>#sync</c> events
/// are stored in one transaction.
/// </summary>
public sealed partial class CreateAccountHandler(
    PdsOptions options,
    IUnitOfWork unitOfWork,
    IAccountStore accounts,
    IRepoKeyStore keys,
    IActorStore actors,
    ISequencer sequencer,
    IInviteCodeStore invites,
    IPlcClient plc,
    IDidResolver didResolver,
    HandlePolicy handles,
    SessionIssuer sessions,
    ServiceKeys serviceKeys,
    IRequestContext request,
    TimeProvider clock,
    ILogger<CreateAccountHandler> logger) : ICommandHandler<CreateAccountCommand, CreateAccountOutput>
{
    public async ValueTask<CreateAccountOutput> Handle(CreateAccountCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.PlcOp is not null)
        {
            throw XrpcException.InvalidRequest("Unsupported input: \"plcOp\"");
        }

        if (options.Service.InviteRequired && string.IsNullOrEmpty(command.InviteCode))
        {
            throw new XrpcException(400, "InvalidInviteCode", "No invite code provided");
        }

        var email = command.Email!.Trim();
        var handle = await handles.NormalizeAndValidateAsync(command.Handle, command.Did, cancellationToken).ConfigureAwait(false);
        if (options.Service.InviteRequired)
        {
            var invite = await invites.GetAsync(command.InviteCode!, cancellationToken).ConfigureAwait(false);
            if (invite is null || invite.Disabled || invite.Uses.Count >= invite.AvailableUses)
            {
                throw new XrpcException(400, "InvalidInviteCode", "Provided invite code not available");
            }
        }

        if (await accounts.GetByHandleAsync(handle, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new XrpcException(400, "HandleNotAvailable", $"Handle already taken: {handle}");
        }

        if (await accounts.GetByEmailAsync(email, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw XrpcException.InvalidRequest($"Email already taken: {email}");
        }

        var identity = await PrepareIdentityAsync(command, handle, cancellationToken).ConfigureAwait(false);
        using var signingKey = identity.SigningKey;
        var did = identity.Did;
        if (await accounts.GetByDidAsync(did, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw XrpcException.InvalidRequest("An account with this DID already exists");
        }

        if (identity.PlcOperation is { } genesis)
        {
            try
            {
                await plc.SendOperationAsync(did, genesis, cancellationToken).ConfigureAwait(false);
            }
            catch (PlcDirectoryException e)
            {
                LogPlcRefused(logger, did, e.Status, e.Message);
                throw new XrpcException(502, XrpcErrorNames.UpstreamFailure, "The PLC directory refused the new identity");
            }
        }

        var now = clock.GetUtcNow();
        var passwordHash = command.Password is null ? null : await PasswordHasher.HashAsync(command.Password, cancellationToken).ConfigureAwait(false);
        try
        {
            var session = await unitOfWork.WriteAsync(
                async ct =>
                {
                    await accounts.CreateAsync(new NewAccount(did, handle, email, passwordHash, now.UtcDateTime, identity.Deactivated), ct).ConfigureAwait(false);
                    if (options.Service.InviteRequired
                        && !await invites.TryUseAsync(command.InviteCode!, did, now.UtcDateTime, ct).ConfigureAwait(false))
                    {
                        throw new XrpcException(400, "InvalidInviteCode", "Provided invite code not available");
                    }

                    await keys.StoreAsync(did, signingKey, ct).ConfigureAwait(false);
                    if (identity.ReservedKeyId is { } reserved)
                    {
                        using var _ = await keys.TakeReservedAsync(reserved, ct).ConfigureAwait(false);
                    }

                    var commit = await actors.TransactAsync(
                        did,
                        async (repo, innerCt) =>
                        {
                            var data = await RepoWriter.CreateAsync(Domain.Syntax.Did.Parse(did), signingKey, [], TidClock.Shared.Next(), innerCt).ConfigureAwait(false);
                            var rev = data.Rev.ToString();
                            foreach (var (cid, bytes) in data.NewBlocks)
                            {
                                await repo.PutBlockAsync(cid.ToString(), bytes, rev, innerCt).ConfigureAwait(false);
                            }

                            await repo.SetRootAsync(data.Cid.ToString(), rev, innerCt).ConfigureAwait(false);
                            return data;
                        },
                        ct).ConfigureAwait(false);

                    if (!identity.Deactivated)
                    {
                        var didValue = Domain.Syntax.Did.Parse(did);
                        await sequencer.AppendAsync(new IdentityEvent(didValue, Domain.Syntax.Handle.Parse(handle), now), ct).ConfigureAwait(false);
                        await sequencer.AppendAsync(new AccountEvent(didValue, true, null, now), ct).ConfigureAwait(false);
                        await sequencer.AppendAsync(CommitEvent.FromCommitData(commit, [], now), ct).ConfigureAwait(false);
                        await sequencer.AppendAsync(SyncEvent.FromCommit(didValue, commit.Commit, now), ct).ConfigureAwait(false);
                    }

                    return await sessions.IssueAsync(did, AuthScope.Access, null, cancellationToken: ct).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);

            return new CreateAccountOutput(session.AccessJwt, session.RefreshJwt, handle, did, ToJson(identity.Document));
        }
        catch (AccountConflictException e)
        {
            await TombstoneAsync(identity).ConfigureAwait(false);
            throw new XrpcException(400, "HandleNotAvailable", e.Message);
        }
        catch
        {
            await TombstoneAsync(identity).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<PreparedIdentity> PrepareIdentityAsync(CreateAccountCommand command, string handle, CancellationToken cancellationToken)
    {
        var requested = command.Did;
        if (requested is null)
        {
            // A new did:plc: the user's recovery key (if any) first, then the configured recovery key,
            // then this server's rotation key, as the reference PDS orders them.
            var signingKey = Secp256k1Keypair.Generate();
            var rotationKeys = new List<string> { serviceKeys.PlcRotationKey.DidKey() };
            if (options.Identity.RecoveryDidKey is { } configuredRecovery)
            {
                rotationKeys.Insert(0, configuredRecovery);
            }

            if (command.RecoveryKey is { } userRecovery)
            {
                if (!DidKey.TryParse(userRecovery, out _))
                {
                    throw XrpcException.InvalidRequest("recoveryKey must be a did:key");
                }

                rotationKeys.Insert(0, userRecovery);
            }

            var op = PlcOperation.CreateAtprotoGenesis(rotationKeys, signingKey.DidKey(), handle, options.Service.PublicUrl.GetLeftPart(UriPartial.Authority))
                .Sign(serviceKeys.PlcRotationKey);
            var did = PlcDid.Derive(op);
            return new PreparedIdentity(did, signingKey, op, DidDocument.FromPlcData(op.ToData(did)), false, null);
        }

        if (!Domain.Syntax.Did.TryParse(requested, out _))
        {
            throw XrpcException.InvalidRequest("did must be a valid DID");
        }

        if (request.Credentials is { Kind: AuthKind.Service } credentials)
        {
            // Migration: the DID's owner proved control with a service-auth token; the account
            // starts deactivated until the identity points here and activateAccount is called.
            if (credentials.Did != requested)
            {
                throw new XrpcException(401, XrpcErrorNames.AuthenticationRequired, $"Missing auth to create account with did: {requested}");
            }

            var document = await ResolveAsync(requested, cancellationToken).ConfigureAwait(false);
            return new PreparedIdentity(requested, Secp256k1Keypair.Generate(), null, document, true, null);
        }

        if (HostedDidWeb.IsHostedCandidate(requested, handle) && handles.IsServiceDomain(handle))
        {
            var signingKey = Secp256k1Keypair.Generate();
            return new PreparedIdentity(requested, signingKey, null, HostedDidWeb.Build(requested, handle, signingKey.DidKey(), options), false, null);
        }

        if (requested.StartsWith(HostedDidWeb.Prefix, StringComparison.Ordinal))
        {
            return await PrepareOwnDidWebAsync(requested, handle, cancellationToken).ConfigureAwait(false);
        }

        throw new XrpcException(401, XrpcErrorNames.AuthenticationRequired, $"Missing auth to create account with did: {requested}");
    }

    /// <summary>
    /// A did:web the user hosts: its document must already name this server as the PDS, the handle,
    /// and the key reserved for the DID with reserveSigningKey.
    /// </summary>
    private async Task<PreparedIdentity> PrepareOwnDidWebAsync(string did, string handle, CancellationToken cancellationToken)
    {
        var document = await ResolveAsync(did, cancellationToken).ConfigureAwait(false)
            ?? throw new XrpcException(400, "UnresolvableDid", $"Could not resolve DID: {did}");
        var reserved = await keys.GetReservedAsync(did, cancellationToken).ConfigureAwait(false)
            ?? throw new XrpcException(400, "IncompatibleDidDoc", "No signing key was reserved for this DID (com.atproto.server.reserveSigningKey)");
        string? problem = null;
        if (!string.Equals(document.GetHandle()?.ToString(), handle, StringComparison.Ordinal))
        {
            problem = "provided handle does not match DID document handle";
        }
        else if (!string.Equals(document.GetPdsEndpoint()?.TrimEnd('/'), options.Service.PublicUrl.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal))
        {
            problem = "DID document pds endpoint does not match service endpoint";
        }
        else if (!string.Equals(document.GetSigningKey(), reserved.DidKey(), StringComparison.Ordinal))
        {
            problem = "DID document signing key does not match service signing key";
        }

        if (problem is not null)
        {
            reserved.Dispose();
            throw new XrpcException(400, "IncompatibleDidDoc", problem);
        }

        return new PreparedIdentity(did, reserved, null, document, false, did);
    }

    private async Task<DidDocument?> ResolveAsync(string did, CancellationToken cancellationToken)
    {
        try
        {
            return (await didResolver.ResolveAsync(did, forceRefresh: true, cancellationToken).ConfigureAwait(false))?.Document;
        }
        catch (IdentityResolutionException e)
        {
            throw new XrpcException(400, "UnresolvableDid", $"Could not resolve DID: {e.Message}");
        }
    }

    private async Task TombstoneAsync(PreparedIdentity identity)
    {
        // A did:plc created for this request and then not used is retired, as the reference PDS does.
        if (identity.PlcOperation is not { } genesis)
        {
            return;
        }

        try
        {
            var tombstone = PlcOperation.CreateTombstone(genesis.Cid).Sign(serviceKeys.PlcRotationKey);
            await plc.SendOperationAsync(identity.Did, tombstone, CancellationToken.None).ConfigureAwait(false);
        }
        catch (PlcDirectoryException e)
        {
            LogTombstoneFailed(logger, identity.Did, e.Message);
        }
    }

    private static JsonElement? ToJson(DidDocument? document)
    {
        if (document is null)
        {
            return null;
        }

        using var parsed = JsonDocument.Parse(document.ToJson());
        return parsed.RootElement.Clone();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "PLC directory refused genesis of {Did} (status {Status}): {Reason}")]
    private static partial void LogPlcRefused(ILogger logger, string did, int? status, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "failed to tombstone unused {Did}: {Reason}")]
    private static partial void LogTombstoneFailed(ILogger logger, string did, string reason);

    private sealed record PreparedIdentity(
        string Did,
        IKeypair SigningKey,
        PlcOperation? PlcOperation,
        DidDocument? Document,
        bool Deactivated,
        string? ReservedKeyId);
}
