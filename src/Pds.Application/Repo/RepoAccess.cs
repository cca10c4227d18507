using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;
using Pds.Domain.Data;
using Pds.Domain.Repo;

namespace Pds.Application.Repo;

/// <summary>The <c>commit</c> object of write responses.</summary>
public sealed record CommitMeta(string Cid, string Rev)
{
    public static CommitMeta From(CommitData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new CommitMeta(data.Cid.ToString(), data.Rev.ToString());
    }
}

/// <summary>Finds the repository a request names (handle or DID) and checks who may write it.</summary>
public sealed class RepoAccess(IAccountStore accounts, IRequestContext request, IActorStore actors)
{
    /// <summary>
    /// Finds the readable repository <paramref name="repo"/> names and reads it. When a DID is
    /// given, <paramref name="read"/> is asked to read the account too (its second argument is
    /// true), in the same command as the records: one round trip to the database, not two. A
    /// handle is resolved to its account first, and the read then leaves the account out.
    /// </summary>
    public async Task<(AccountInfo Account, T Value)> ReadAsync<T>(
        string repo,
        Func<IActorStoreReader, bool, CancellationToken, Task<(AccountInfo? Account, T Value)>> read,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repo);
        ArgumentNullException.ThrowIfNull(read);
        if (repo.StartsWith("did:", StringComparison.Ordinal))
        {
            var (found, byDid) = await actors.ReadAsync(repo, (reader, ct) => read(reader, true, ct), cancellationToken).ConfigureAwait(false);
            return (Readable(found, repo), byDid);
        }

        var account = await FindReadableAsync(repo, cancellationToken).ConfigureAwait(false);
        var (_, byHandle) = await actors.ReadAsync(account.Did, (reader, ct) => read(reader, false, ct), cancellationToken).ConfigureAwait(false);
        return (account, byHandle);
    }

    public async Task<AccountInfo> FindAsync(string repo, CancellationToken cancellationToken)
    {
        var account = repo.StartsWith("did:", StringComparison.Ordinal)
            ? await accounts.GetByDidAsync(repo, cancellationToken).ConfigureAwait(false)
            : await accounts.GetByHandleAsync(repo.ToLowerInvariant(), cancellationToken).ConfigureAwait(false);
        return account ?? throw XrpcException.InvalidRequest($"Could not find repo: {repo}");
    }

    /// <summary>
    /// A repository the public repo reads (getRecord, listRecords, describeRepo) may show: a
    /// taken-down account's is not found, as in the reference PDS.
    /// </summary>
    public async Task<AccountInfo> FindReadableAsync(string repo, CancellationToken cancellationToken) =>
        Readable(await FindAsync(repo, cancellationToken).ConfigureAwait(false), repo);

    private static AccountInfo Readable(AccountInfo? account, string repo) =>
        account is null || account.IsTakendown ? throw XrpcException.InvalidRequest($"Could not find repo: {repo}") : account;

    /// <summary>The caller's own repository; anyone else's is refused as the reference PDS does (401).</summary>
    public async Task<AccountInfo> FindWritableAsync(string repo, CancellationToken cancellationToken)
    {
        var account = await FindAsync(repo, cancellationToken).ConfigureAwait(false);
        if (request.Credentials?.Did != account.Did)
        {
            throw new XrpcException(401, XrpcErrorNames.AuthenticationRequired, "Authentication Required");
        }

        return account;
    }

    /// <summary>Refuses a write the caller's credentials do not permit (OAuth scopes, app passwords).</summary>
    public void EnsurePermitted(string collection, params Pds.Domain.OAuth.RepoAction[] actions)
    {
        if (request.Credentials is not { } credentials)
        {
            return;
        }

        foreach (var action in actions)
        {
            if (!credentials.Permissions.AllowsRepo(collection, action))
            {
                throw AuthCredentials.MissingScope(Pds.Domain.OAuth.ScopePermissions.RepoScope(collection, action));
            }
        }
    }

    public static string? StatusName(RecordValidationStatus? status) => status switch
    {
        RecordValidationStatus.Valid => "valid",
        RecordValidationStatus.Unknown => "unknown",
        _ => null,
    };
}
