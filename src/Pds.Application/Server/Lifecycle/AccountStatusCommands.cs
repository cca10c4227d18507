using Mediator;
using Pds.Application.Accounts;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Application.Common.Errors;
using Pds.Domain.Data;
using Pds.Domain.Events;
using Pds.Domain.Repo;

namespace Pds.Application.Server.Lifecycle;

/// <summary>com.atproto.server.checkAccountStatus</summary>
public sealed record CheckAccountStatusQuery : IQuery<CheckAccountStatusOutput>;

public sealed record CheckAccountStatusOutput(
    bool Activated,
    bool ValidDid,
    string RepoCommit,
    string RepoRev,
    long RepoBlocks,
    long IndexedRecords,
    long PrivateStateValues,
    long ExpectedBlobs,
    long ImportedBlobs);

/// <summary>Where the account stands, as a migrating user checks it: repository size and whether the DID points here.</summary>
public sealed class CheckAccountStatusHandler(IRequestContext request, IAccountStore accounts, IActorStore actors, IdentityCheck identity)
    : IQueryHandler<CheckAccountStatusQuery, CheckAccountStatusOutput>
{
    public async ValueTask<CheckAccountStatusOutput> Handle(CheckAccountStatusQuery query, CancellationToken cancellationToken)
    {
        var did = request.Credentials!.RequireDid();
        var account = await accounts.GetByDidAsync(did, cancellationToken).ConfigureAwait(false)
            ?? throw XrpcException.InvalidRequest("Account not found");
        var stats = await actors.ReadAsync(did, (r, ct) => r.GetStatsAsync(ct), cancellationToken).ConfigureAwait(false);
        var validDid = await identity.PointsHereAsync(did, cancellationToken).ConfigureAwait(false);
        return new CheckAccountStatusOutput(
            account.IsActive,
            validDid,
            stats.RootCid ?? string.Empty,
            stats.Rev ?? string.Empty,
            stats.Blocks,
            stats.Records,
            0,
            stats.ExpectedBlobs,
            stats.ImportedBlobs);
    }
}

/// <summary>Checks that an account's DID document names this server and the account's signing key.</summary>
public sealed class IdentityCheck(IDidResolver dids, IRepoKeyStore keys, PdsOptions options)
{
    public async Task<bool> PointsHereAsync(string did, CancellationToken cancellationToken)
    {
        try
        {
            var resolved = await dids.ResolveAsync(did, forceRefresh: true, cancellationToken).ConfigureAwait(false);
            using var key = await keys.GetAsync(did, cancellationToken).ConfigureAwait(false);
            return resolved is not null && key is not null
                && resolved.Document.GetSigningKey() == key.DidKey()
                && resolved.Document.GetPdsEndpoint()?.TrimEnd('/') == options.Service.PublicUrl.GetLeftPart(UriPartial.Authority);
        }
        catch (IdentityResolutionException)
        {
            return false;
        }
    }
}

/// <summary>com.atproto.server.activateAccount</summary>
public sealed record ActivateAccountCommand : ICommand<Unit>;

/// <summary>
/// Activates a (migrated or deactivated) account once its DID document points here, announcing
/// <c>#account</c> (active), <c>#identity</c> and <c>#sync</c> with the current commit, in one transaction.
/// </summary>
public sealed class ActivateAccountHandler(
    IRequestContext request,
    IAccountStore accounts,
    IActorStore actors,
    IUnitOfWork unitOfWork,
    ISequencer sequencer,
    IdentityCheck identity,
    TimeProvider clock) : ICommandHandler<ActivateAccountCommand, Unit>
{
    public async ValueTask<Unit> Handle(ActivateAccountCommand command, CancellationToken cancellationToken)
    {
        var did = request.Credentials!.RequireDid();
        var account = await accounts.GetByDidAsync(did, cancellationToken).ConfigureAwait(false)
            ?? throw XrpcException.InvalidRequest("Account not found");
        if (!await identity.PointsHereAsync(did, cancellationToken).ConfigureAwait(false))
        {
            throw XrpcException.InvalidRequest("DID document does not point to this server with the account's signing key");
        }

        var now = clock.GetUtcNow();
        await unitOfWork.WriteAsync(
            async ct =>
            {
                await accounts.SetDeactivatedAsync(did, null, null, ct).ConfigureAwait(false);
                var didValue = Domain.Syntax.Did.Parse(did);
                await sequencer.AppendAsync(new AccountEvent(didValue, !account.IsTakendown, account.IsTakendown ? AccountStatusView.Takendown : null, now), ct).ConfigureAwait(false);
                await sequencer.AppendAsync(new IdentityEvent(didValue, account.Handle is { } h ? Domain.Syntax.Handle.Parse(h) : null, now), ct).ConfigureAwait(false);
                var commit = await actors.ReadAsync(
                    did,
                    async (r, innerCt) =>
                    {
                        var root = await r.GetRootAsync(innerCt).ConfigureAwait(false);
                        var bytes = root is null ? null : await r.GetBlockAsync(root.Cid, innerCt).ConfigureAwait(false);
                        return bytes is null ? null : Commit.Decode(bytes);
                    },
                    ct).ConfigureAwait(false);
                if (commit is not null)
                {
                    await sequencer.AppendAsync(SyncEvent.FromCommit(didValue, commit, now), ct).ConfigureAwait(false);
                }

                return true;
            },
            cancellationToken).ConfigureAwait(false);
        return Unit.Value;
    }
}

/// <summary>com.atproto.server.deactivateAccount</summary>
public sealed record DeactivateAccountCommand(string? DeleteAfter = null) : ICommand<Unit>;

public sealed class DeactivateAccountHandler(IRequestContext request, IAccountStore accounts, IUnitOfWork unitOfWork, ISequencer sequencer, TimeProvider clock)
    : ICommandHandler<DeactivateAccountCommand, Unit>
{
    public async ValueTask<Unit> Handle(DeactivateAccountCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var did = request.Credentials!.RequireDid();
        DateTime? deleteAfter = null;
        if (command.DeleteAfter is { } text)
        {
            deleteAfter = Domain.Syntax.Datetime.TryParse(text, out var parsed)
                ? parsed.Value.UtcDateTime
                : throw XrpcException.InvalidRequest("deleteAfter must be a datetime");
        }

        var now = clock.GetUtcNow();
        await unitOfWork.WriteAsync(
            async ct =>
            {
                await accounts.SetDeactivatedAsync(did, now.UtcDateTime, deleteAfter, ct).ConfigureAwait(false);
                return await sequencer.AppendAsync(new AccountEvent(Domain.Syntax.Did.Parse(did), false, AccountStatusView.Deactivated, now), ct).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
        return Unit.Value;
    }
}
