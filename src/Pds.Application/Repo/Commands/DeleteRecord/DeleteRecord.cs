using FluentValidation;
using Mediator;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;
using Pds.Application.Common.RateLimits;
using Pds.Domain.Syntax;

namespace Pds.Application.Repo.Commands.DeleteRecord;

/// <summary>com.atproto.repo.deleteRecord</summary>
public sealed record DeleteRecordCommand(
    string Repo,
    string Collection,
    string Rkey,
    string? SwapRecord = null,
    string? SwapCommit = null) : ICommand<DeleteRecordOutput>, IRateLimited
{
    public IEnumerable<RateLimitCharge> RateLimitCharges(Pds.Application.Common.Abstractions.IRequestContext request) => RateLimitPolicies.RepoWrite(request, 1);
}

public sealed record DeleteRecordOutput(CommitMeta? Commit);

public sealed class DeleteRecordValidator : AbstractValidator<DeleteRecordCommand>
{
    public DeleteRecordValidator()
    {
        RuleFor(x => x.Repo).NotEmpty();
        RuleFor(x => x.Collection).NotEmpty();
        RuleFor(x => x.Rkey).NotEmpty().MaximumLength(RecordKey.MaxLength);
    }
}

/// <summary>Deletes a record; deleting one that does not exist succeeds without a commit (unless a swap was asked).</summary>
public sealed class DeleteRecordHandler(RepoAccess access, RecordPreparation preparation, RepoTransactor transactor, IActorStore actors)
    : ICommandHandler<DeleteRecordCommand, DeleteRecordOutput>
{
    public async ValueTask<DeleteRecordOutput> Handle(DeleteRecordCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var account = await access.FindWritableAsync(command.Repo, cancellationToken).ConfigureAwait(false);
        access.EnsurePermitted(command.Collection, Domain.OAuth.RepoAction.Delete);
        var swap = RecordPreparation.ParseCid(command.SwapRecord, "swapRecord");
        RecordPreparation.ParseCid(command.SwapCommit, "swapCommit");
        var write = preparation.PrepareDelete(Did.Parse(account.Did), command.Collection, command.Rkey, swap);
        var existing = await actors.ReadAsync(account.Did, (r, ct) => r.GetRecordAsync(command.Collection, command.Rkey, ct), cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            if (swap is not null)
            {
                throw new XrpcException(400, "InvalidSwap", "Record was not present");
            }

            return new DeleteRecordOutput(null);
        }

        var commit = await transactor.ApplyWritesAsync(account.Did, [write], command.SwapCommit, cancellationToken).ConfigureAwait(false);
        return new DeleteRecordOutput(CommitMeta.From(commit));
    }
}
