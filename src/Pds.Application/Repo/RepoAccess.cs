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
    /// Finds the readable repository <paramref name="repo"/> names and reads it, the account lookup
    /// and the read under one open of the database connection when a DID is given (a handle is
    /// resolved first). On SQLite each open re-registers the connection's SQL functions, a few
    /// percent of a getRecord's CPU.
    /// </summary>
    public Task<T> ReadAsync<T>(string repo, Func<AccountInfo, IActorStoreReader, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repo);
        ArgumentNullException.ThrowIfNull(read);
        return repo.StartsWith("did:", StringComparison.Ordinal)
            ? actors.ReadAsync(
                repo,
                async (reader, ct) => await read(await FindReadableAsync(repo, ct).ConfigureAwait(false), reader, ct).ConfigureAwait(false),
                cancellationToken)
            : ReadByHandleAsync(repo, read, cancellationToken);
    }

    private async Task<T> ReadByHandleAsync<T>(string handle, Func<AccountInfo, IActorStoreReader, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        var account = await FindReadableAsync(handle, cancellationToken).ConfigureAwait(false);
        return await actors.ReadAsync(account.Did, (reader, ct) => read(account, reader, ct), cancellationToken).ConfigureAwait(false);
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
    public async Task<AccountInfo> FindReadableAsync(string repo, CancellationToken cancellationToken)
    {
        var account = await FindAsync(repo, cancellationToken).ConfigureAwait(false);
        return account.IsTakendown ? throw XrpcException.InvalidRequest($"Could not find repo: {repo}") : account;
    }

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
