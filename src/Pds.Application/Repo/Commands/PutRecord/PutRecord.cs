using System.Text.Json;
using FluentValidation;
using Mediator;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;
using Pds.Application.Common.RateLimits;
using Pds.Domain.Data;
using Pds.Domain.Repo;
using Pds.Domain.Syntax;

namespace Pds.Application.Repo.Commands.PutRecord;

/// <summary>
/// com.atproto.repo.putRecord. <c>swapRecord</c> is kept as raw JSON: absent (undefined) means no
/// check, a CID means "only if it is the current record", and an explicit null "only if absent".
/// </summary>
public sealed record PutRecordCommand(
    string Repo,
    string Collection,
    string Rkey,
    JsonElement Record,
    bool? Validate = null,
    JsonElement SwapRecord = default,
    string? SwapCommit = null) : ICommand<PutRecordOutput>, IRateLimited
{
    public IEnumerable<RateLimitCharge> RateLimitCharges(Pds.Application.Common.Abstractions.IRequestContext request) => RateLimitPolicies.RepoWrite(request, 2);
}

public sealed record PutRecordOutput(string Uri, string Cid, CommitMeta? Commit, string? ValidationStatus);

public sealed class PutRecordValidator : AbstractValidator<PutRecordCommand>
{
    public PutRecordValidator()
    {
        RuleFor(x => x.Repo).NotEmpty();
        RuleFor(x => x.Collection).NotEmpty();
        RuleFor(x => x.Rkey).NotEmpty().MaximumLength(RecordKey.MaxLength);
    }
}

/// <summary>Creates or replaces a record; writing identical content again changes nothing and makes no commit.</summary>
public sealed class PutRecordHandler(RepoAccess access, RecordPreparation preparation, RepoTransactor transactor, IActorStore actors)
    : ICommandHandler<PutRecordCommand, PutRecordOutput>
{
    public async ValueTask<PutRecordOutput> Handle(PutRecordCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var account = await access.FindWritableAsync(command.Repo, cancellationToken).ConfigureAwait(false);
        // putRecord may create or replace, so it needs both, as with the reference PDS.
        access.EnsurePermitted(command.Collection, Domain.OAuth.RepoAction.Create, Domain.OAuth.RepoAction.Update);
        var did = Did.Parse(account.Did);
        RecordPreparation.ParseCid(command.SwapCommit, "swapCommit");
        var mustBeAbsent = command.SwapRecord is { ValueKind: JsonValueKind.Null };
        Cid? swap = command.SwapRecord is { ValueKind: JsonValueKind.String } s ? RecordPreparation.ParseCid(s.GetString(), "swapRecord") : null;
        if (command.SwapRecord.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.String))
        {
            throw XrpcException.InvalidRequest("swapRecord must be a CID or null");
        }

        var existing = await actors.ReadAsync(account.Did, (r, ct) => r.GetRecordAsync(command.Collection, command.Rkey, ct), cancellationToken).ConfigureAwait(false);
        if (mustBeAbsent && existing is not null)
        {
            throw new XrpcException(400, "InvalidSwap", $"Record was at {existing.Cid}");
        }

        if (swap is not null && existing is null)
        {
            throw new XrpcException(400, "InvalidSwap", "Record was not present");
        }

        var write = existing is null
            ? preparation.PrepareCreate(did, command.Collection, command.Rkey, command.Record, command.Validate)
            : preparation.PrepareUpdate(did, command.Collection, command.Rkey, command.Record, command.Validate, swap);
        var cid = write.Write is RepoCreate c ? c.Cid : ((RepoUpdate)write.Write).Cid;
        if (existing is not null && existing.Cid == cid.ToString() && command.SwapCommit is null)
        {
            // The same content is already there: the reference PDS answers without a new commit.
            return new PutRecordOutput(write.Uri.ToString(), cid.ToString(), null, RepoAccess.StatusName(write.ValidationStatus));
        }

        var commit = await transactor.ApplyWritesAsync(account.Did, [write], command.SwapCommit, cancellationToken).ConfigureAwait(false);
        return new PutRecordOutput(write.Uri.ToString(), cid.ToString(), CommitMeta.From(commit), RepoAccess.StatusName(write.ValidationStatus));
    }
}
