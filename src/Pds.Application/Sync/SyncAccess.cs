using Pds.Application.Accounts;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;
using Pds.Domain.Data;
using Pds.Domain.Repo;

namespace Pds.Application.Sync;

/// <summary>A CAR body: the endpoint streams it with <c>application/vnd.ipld.car</c>.</summary>
public sealed record CarOutput(Func<Stream, CancellationToken, Task> WriteAsync);

/// <summary>
/// Which repositories the sync methods serve: hosted, not taken down, not deactivated (except
/// where a method reports status instead), with the lexicons' error names.
/// </summary>
public sealed class SyncAccess(IAccountStore accounts, IActorStore actors)
{
    public async Task<(AccountInfo Account, RepoRootInfo Root)> FindAvailableAsync(string did, CancellationToken cancellationToken)
    {
        var account = await accounts.GetByDidAsync(did, cancellationToken).ConfigureAwait(false)
            ?? throw new XrpcException(400, "RepoNotFound", $"Could not find repo for DID: {did}");
        if (account.IsTakendown)
        {
            throw new XrpcException(400, "RepoTakendown", $"Repo has been takendown: {did}");
        }

        if (account.IsDeactivated)
        {
            throw new XrpcException(400, "RepoDeactivated", $"Repo has been deactivated: {did}");
        }

        var root = await actors.ReadAsync(did, (r, ct) => r.GetRootAsync(ct), cancellationToken).ConfigureAwait(false)
            ?? throw new XrpcException(400, "RepoNotFound", $"Could not find repo for DID: {did}");
        return (account, root);
    }

    public static (bool Active, string? Status) StatusOf(AccountInfo account) => AccountStatusView.Of(account);

    public static async Task<Commit> LoadCommitAsync(IActorStoreReader reader, string cid, CancellationToken cancellationToken)
    {
        var bytes = await reader.GetBlockAsync(cid, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The head commit {cid} is missing.");
        return Commit.Decode(bytes);
    }

    public static Cid ParseCid(string cid) => Cid.Parse(cid);
}
