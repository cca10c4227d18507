using Pds.Application.Sync.Queries.GetBlocks;
using Pds.Application.Sync.Queries.GetLatestCommit;
using Pds.Application.Sync.Queries.GetRecord;
using Pds.Application.Sync.Queries.GetRepo;
using Pds.Application.Sync.Queries.GetRepoStatus;
using Pds.Application.Sync.Queries.ListRepos;

namespace Pds.Api.Xrpc;

/// <summary>com.atproto.sync.*</summary>
internal static class ComAtprotoSync
{
    public static void MapComAtprotoSync(this IEndpointRouteBuilder x)
    {
        x.CarQuery<GetRepoQuery>("com.atproto.sync.getRepo");
        x.CarQuery<SyncGetRecordQuery>("com.atproto.sync.getRecord");
        x.CarQuery<GetBlocksQuery>("com.atproto.sync.getBlocks");
        x.Query<GetLatestCommitQuery, GetLatestCommitOutput>("com.atproto.sync.getLatestCommit");
        x.Query<GetRepoStatusQuery, GetRepoStatusOutput>("com.atproto.sync.getRepoStatus");
        x.Query<ListReposQuery, ListReposOutput>("com.atproto.sync.listRepos");
    }
}
