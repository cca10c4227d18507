using System.Text.Json;
using FluentValidation;
using Mediator;
using Pds.Application.Common.RateLimits;
using Pds.Domain.Syntax;

namespace Pds.Application.Repo.Commands.CreateRecord;

/// <summary>com.atproto.repo.createRecord</summary>
public sealed record CreateRecordCommand(
    string Repo,
    string Collection,
    JsonElement Record,
    string? Rkey = null,
    bool? Validate = null,
    string? SwapCommit = null) : ICommand<CreateRecordOutput>, IRateLimited
{
    public IEnumerable<RateLimitCharge> RateLimitCharges(Pds.Application.Common.Abstractions.IRequestContext request) => RateLimitPolicies.RepoWrite(request, 3);
}

public sealed record CreateRecordOutput(string Uri, string Cid, CommitMeta Commit, string? ValidationStatus);

public sealed class CreateRecordValidator : AbstractValidator<CreateRecordCommand>
{
    public CreateRecordValidator()
    {
        RuleFor(x => x.Repo).NotEmpty();
        RuleFor(x => x.Collection).NotEmpty();
        RuleFor(x => x.Rkey).MaximumLength(RecordKey.MaxLength);
    }
}

public sealed class CreateRecordHandler(RepoAccess access, RecordPreparation preparation, RepoTransactor transactor)
    : ICommandHandler<CreateRecordCommand, CreateRecordOutput>
{
    public async ValueTask<CreateRecordOutput> Handle(CreateRecordCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var account = await access.FindWritableAsync(command.Repo, cancellationToken).ConfigureAwait(false);
        access.EnsurePermitted(command.Collection, Domain.OAuth.RepoAction.Create);
        var did = Did.Parse(account.Did);
        var write = preparation.PrepareCreate(did, command.Collection, command.Rkey, command.Record, command.Validate);
        RecordPreparation.ParseCid(command.SwapCommit, "swapCommit");
        var commit = await transactor.ApplyWritesAsync(account.Did, [write], command.SwapCommit, cancellationToken).ConfigureAwait(false);
        var create = (Domain.Repo.RepoCreate)write.Write;
        return new CreateRecordOutput(write.Uri.ToString(), create.Cid.ToString(), CommitMeta.From(commit), RepoAccess.StatusName(write.ValidationStatus));
    }
}
