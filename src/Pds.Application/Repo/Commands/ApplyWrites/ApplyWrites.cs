using System.Text.Json;
using System.Text.Json.Serialization;
using FluentValidation;
using Mediator;
using Pds.Application.Common.Errors;
using Pds.Application.Common.RateLimits;
using Pds.Domain.Repo;
using Pds.Domain.Syntax;

namespace Pds.Application.Repo.Commands.ApplyWrites;

/// <summary>com.atproto.repo.applyWrites: up to 200 creates, updates and deletes in one commit.</summary>
public sealed record ApplyWritesCommand(
    string Repo,
    IReadOnlyList<JsonElement> Writes,
    bool? Validate = null,
    string? SwapCommit = null) : ICommand<ApplyWritesOutput>, IRateLimited
{
    public IEnumerable<RateLimitCharge> RateLimitCharges(Pds.Application.Common.Abstractions.IRequestContext request) => RateLimitPolicies.RepoWrite(request, RateLimitPolicies.WritePoints(Writes ?? []));
}

public sealed record ApplyWritesOutput(CommitMeta? Commit, IReadOnlyList<ApplyWritesResult> Results);

public sealed record ApplyWritesResult(
    [property: JsonPropertyName("$type")] string Type,
    string? Uri = null,
    string? Cid = null,
    string? ValidationStatus = null);

public sealed class ApplyWritesValidator : AbstractValidator<ApplyWritesCommand>
{
    public const int MaxWrites = 200;

    public ApplyWritesValidator()
    {
        RuleFor(x => x.Repo).NotEmpty();
        RuleFor(x => x.Writes).Must(w => w.Count <= MaxWrites).WithErrorCode("InvalidRequest").WithMessage($"Too many writes. Max: {MaxWrites}");
    }
}

public sealed class ApplyWritesHandler(RepoAccess access, RecordPreparation preparation, RepoTransactor transactor)
    : ICommandHandler<ApplyWritesCommand, ApplyWritesOutput>
{
    private const string Prefix = "com.atproto.repo.applyWrites#";

    public async ValueTask<ApplyWritesOutput> Handle(ApplyWritesCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var account = await access.FindWritableAsync(command.Repo, cancellationToken).ConfigureAwait(false);
        var did = Did.Parse(account.Did);
        RecordPreparation.ParseCid(command.SwapCommit, "swapCommit");
        var prepared = new List<PreparedWrite>(command.Writes.Count);
        for (var i = 0; i < command.Writes.Count; i++)
        {
            prepared.Add(Prepare(did, command.Writes[i], command.Validate, i));
        }

        if (prepared.Count == 0)
        {
            return new ApplyWritesOutput(null, []);
        }

        var commit = await transactor.ApplyWritesAsync(account.Did, prepared, command.SwapCommit, cancellationToken).ConfigureAwait(false);
        var results = prepared.Select(p => p.Write switch
        {
            RepoCreate c => new ApplyWritesResult(Prefix + "createResult", p.Uri.ToString(), c.Cid.ToString(), RepoAccess.StatusName(p.ValidationStatus)),
            RepoUpdate u => new ApplyWritesResult(Prefix + "updateResult", p.Uri.ToString(), u.Cid.ToString(), RepoAccess.StatusName(p.ValidationStatus)),
            _ => new ApplyWritesResult(Prefix + "deleteResult"),
        }).ToList();
        return new ApplyWritesOutput(CommitMeta.From(commit), results);
    }

    private PreparedWrite Prepare(Did did, JsonElement write, bool? validate, int index)
    {
        if (write.ValueKind != JsonValueKind.Object || !write.TryGetProperty("$type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
        {
            throw XrpcException.InvalidRequest($"writes/{index} must be an object with $type");
        }

        var collection = RequiredString(write, "collection", index);
        var type = typeElement.GetString();
        switch (type)
        {
            case Prefix + "create":
                access.EnsurePermitted(collection, Domain.OAuth.RepoAction.Create);
                return preparation.PrepareCreate(did, collection, OptionalString(write, "rkey", index), RequiredValue(write, index), validate);
            case Prefix + "update":
                access.EnsurePermitted(collection, Domain.OAuth.RepoAction.Update);
                return preparation.PrepareUpdate(did, collection, RequiredString(write, "rkey", index), RequiredValue(write, index), validate, null);
            case Prefix + "delete":
                access.EnsurePermitted(collection, Domain.OAuth.RepoAction.Delete);
                return preparation.PrepareDelete(did, collection, RequiredString(write, "rkey", index), null);
            default:
                throw XrpcException.InvalidRequest($"writes/{index} has unknown $type {type}");
        }
    }

    private static string RequiredString(JsonElement write, string name, int index) =>
        OptionalString(write, name, index) ?? throw XrpcException.InvalidRequest($"writes/{index}/{name} is required");

    private static string? OptionalString(JsonElement write, string name, int index)
    {
        if (!write.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw XrpcException.InvalidRequest($"writes/{index}/{name} must be a string");
    }

    private static JsonElement RequiredValue(JsonElement write, int index) =>
        write.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Object
            ? value
            : throw XrpcException.InvalidRequest($"writes/{index}/value must be an object");
}
