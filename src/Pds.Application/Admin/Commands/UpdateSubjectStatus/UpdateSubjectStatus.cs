using System.Text.Json;
using Mediator;
using Pds.Application.Accounts;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;
using Pds.Domain.Events;

namespace Pds.Application.Admin.Commands.UpdateSubjectStatus;

/// <summary>com.atproto.admin.updateSubjectStatus</summary>
public sealed record UpdateSubjectStatusCommand(JsonElement Subject, StatusAttr? Takedown = null, StatusAttr? Deactivated = null)
    : ICommand<UpdateSubjectStatusOutput>;

public sealed record UpdateSubjectStatusOutput(JsonElement Subject, StatusAttr? Takedown);

/// <summary>
/// Takes down (or restores) an account, a record or a blob, and deactivates (or reactivates) an
/// account. An account's change, the revocation of its refresh tokens on takedown and the
/// <c>#account</c> event announcing its new status commit in one transaction. A taken-down record
/// is hidden from repo reads and a taken-down blob is not served; the repository itself, and so
/// its commits, are untouched. The takedown reference defaults to the current time, as in the
/// reference PDS.
/// </summary>
public sealed class UpdateSubjectStatusHandler(
    IAccountStore accounts,
    IActorStore actors,
    IRefreshTokenStore refreshTokens,
    IUnitOfWork unitOfWork,
    ISequencer sequencer,
    TimeProvider clock) : ICommandHandler<UpdateSubjectStatusCommand, UpdateSubjectStatusOutput>
{
    public async ValueTask<UpdateSubjectStatusOutput> Handle(UpdateSubjectStatusCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var subject = AdminSubject.Parse(command.Subject, allowBlob: true);
        var now = clock.GetUtcNow();
        var takedownRef = command.Takedown is { Applied: true } t ? t.Ref ?? Server.Formats.Datetime(now.UtcDateTime) : null;
        switch (subject)
        {
            case AdminSubject.Repo repo:
                await UpdateAccountAsync(repo.Did, command, takedownRef, now, cancellationToken).ConfigureAwait(false);
                break;
            case AdminSubject.Record record when command.Takedown is not null:
                await actors.TransactAsync(
                    record.Uri.Authority.ToString(),
                    (tx, ct) => tx.SetRecordTakedownAsync(record.Uri.Collection!.ToString(), record.Uri.RecordKey!.ToString(), takedownRef, ct),
                    cancellationToken).ConfigureAwait(false);
                break;
            case AdminSubject.Blob blob when command.Takedown is not null:
                await actors.TransactAsync(blob.Did, (tx, ct) => tx.SetBlobTakedownAsync(blob.Cid, takedownRef, ct), cancellationToken).ConfigureAwait(false);
                break;
        }

        return new UpdateSubjectStatusOutput(command.Subject, command.Takedown);
    }

    private async Task UpdateAccountAsync(string did, UpdateSubjectStatusCommand command, string? takedownRef, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (command.Takedown is null && command.Deactivated is null)
        {
            return;
        }

        var account = await accounts.GetByDidAsync(did, cancellationToken).ConfigureAwait(false)
            ?? throw AdminAccountViews.AccountNotFound();
        await unitOfWork.WriteAsync(
            async ct =>
            {
                var newTakedown = account.TakedownRef;
                var newDeactivatedAt = account.DeactivatedAt;
                if (command.Takedown is not null)
                {
                    newTakedown = takedownRef;
                    await accounts.SetTakedownAsync(did, takedownRef, ct).ConfigureAwait(false);
                    if (takedownRef is not null)
                    {
                        await refreshTokens.RevokeAllAsync(did, null, ct).ConfigureAwait(false);
                    }
                }

                if (command.Deactivated is { } deactivated && deactivated.Applied != account.IsDeactivated)
                {
                    newDeactivatedAt = deactivated.Applied ? now.UtcDateTime : null;
                    await accounts.SetDeactivatedAsync(did, newDeactivatedAt, null, ct).ConfigureAwait(false);
                }

                var (active, status) = AccountStatusView.Of(account with { TakedownRef = newTakedown, DeactivatedAt = newDeactivatedAt });
                return await sequencer.AppendAsync(new AccountEvent(Domain.Syntax.Did.Parse(did), active, status, now), ct).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
    }
}
