using System.Text.Json;
using System.Text.Json.Serialization;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;
using Pds.Application.Server;
using Pds.Application.Server.Lifecycle;

namespace Pds.Application.Admin;

/// <summary>com.atproto.admin.defs#accountView</summary>
public sealed record AccountView(
    string Did,
    string Handle,
    string? Email,
    string IndexedAt,
    InviteCodeView? InvitedBy,
    IReadOnlyList<InviteCodeView>? Invites,
    bool? InvitesDisabled,
    string? EmailConfirmedAt,
    string? DeactivatedAt);

/// <summary>com.atproto.admin.defs#statusAttr</summary>
public sealed record StatusAttr(bool Applied, string? Ref = null);

/// <summary>com.atproto.admin.defs#repoRef</summary>
public sealed record RepoRefView(string Did)
{
    [JsonPropertyName("$type")]
    [JsonPropertyOrder(-1)]
    public string Type => AdminSubject.RepoRefType;
}

/// <summary>com.atproto.repo.strongRef</summary>
public sealed record StrongRefView(string Uri, string Cid)
{
    [JsonPropertyName("$type")]
    [JsonPropertyOrder(-1)]
    public string Type => AdminSubject.StrongRefType;
}

/// <summary>com.atproto.admin.defs#repoBlobRef</summary>
public sealed record RepoBlobRefView(string Did, string Cid, string? RecordUri = null)
{
    [JsonPropertyName("$type")]
    [JsonPropertyOrder(-1)]
    public string Type => AdminSubject.RepoBlobRefType;
}

/// <summary>The subject union of the admin and moderation methods, read from its <c>$type</c>.</summary>
public abstract record AdminSubject
{
    public const string RepoRefType = "com.atproto.admin.defs#repoRef";
    public const string StrongRefType = "com.atproto.repo.strongRef";
    public const string RepoBlobRefType = "com.atproto.admin.defs#repoBlobRef";

    public sealed record Repo(string Did) : AdminSubject;

    public sealed record Record(Domain.Syntax.AtUri Uri, string Cid) : AdminSubject;

    public sealed record Blob(string Did, string Cid) : AdminSubject;

    /// <summary>Parses a subject; <paramref name="allowBlob"/> admits repoBlobRef (admin methods, not reports).</summary>
    public static AdminSubject Parse(JsonElement subject, bool allowBlob)
    {
        if (subject.ValueKind != JsonValueKind.Object
            || !subject.TryGetProperty("$type", out var type) || type.ValueKind != JsonValueKind.String)
        {
            throw XrpcException.InvalidRequest("Invalid subject: expected an object with $type");
        }

        switch (type.GetString())
        {
            case RepoRefType:
                return new Repo(RequireDid(subject));
            case StrongRefType:
                var uriText = RequireString(subject, "uri");
                if (!Domain.Syntax.AtUri.TryParse(uriText, out var uri) || uri.Collection is null || uri.RecordKey is null
                    || !uri.Authority.IsDid || uri.Fragment is not null)
                {
                    throw XrpcException.InvalidRequest("Invalid subject: uri must be an at:// URI of a record with a DID authority");
                }

                return new Record(uri, RequireCid(subject));
            case RepoBlobRefType when allowBlob:
                return new Blob(RequireDid(subject), RequireCid(subject));
            default:
                throw XrpcException.InvalidRequest("Invalid subject");
        }
    }

    private static string RequireString(JsonElement subject, string name) =>
        subject.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw XrpcException.InvalidRequest($"Invalid subject: {name} is required");

    private static string RequireDid(JsonElement subject)
    {
        var did = RequireString(subject, "did");
        return Domain.Syntax.Did.TryParse(did, out _) ? did : throw XrpcException.InvalidRequest("Invalid subject: did must be a DID");
    }

    private static string RequireCid(JsonElement subject)
    {
        var cid = RequireString(subject, "cid");
        return Domain.Data.Cid.TryParse(cid, out _) ? cid : throw XrpcException.InvalidRequest("Invalid subject: cid must be a CID");
    }
}

/// <summary>Builds account views for the admin methods, with the account's invite codes.</summary>
public sealed class AdminAccountViews(IInviteCodeStore invites)
{
    public async Task<AccountView> ViewAsync(AccountInfo account, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        var codes = await invites.ListForAccountAsync(account.Did, cancellationToken).ConfigureAwait(false);
        var invitedBy = await invites.GetUsedByAsync(account.Did, cancellationToken).ConfigureAwait(false);
        return new AccountView(
            account.Did,
            Accounts.SessionViews.HandleOf(account),
            account.Email,
            Formats.Datetime(account.CreatedAt),
            invitedBy is null ? null : InviteCodeView.From(invitedBy),
            codes.Select(InviteCodeView.From).ToList(),
            account.InvitesDisabled,
            account.EmailConfirmedAt is { } confirmed ? Formats.Datetime(confirmed) : null,
            account.DeactivatedAt is { } deactivated ? Formats.Datetime(deactivated) : null);
    }

    /// <summary>The account named by DID or handle, whatever its status.</summary>
    public static async Task<AccountInfo> FindAsync(IAccountStore accounts, string didOrHandle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        var account = didOrHandle.StartsWith("did:", StringComparison.Ordinal)
            ? await accounts.GetByDidAsync(didOrHandle, cancellationToken).ConfigureAwait(false)
            : await accounts.GetByHandleAsync(didOrHandle.ToLowerInvariant(), cancellationToken).ConfigureAwait(false);
        return account ?? throw AccountNotFound();
    }

    public static XrpcException AccountNotFound() => new(400, XrpcErrorNames.NotFound, "Account not found");
}
