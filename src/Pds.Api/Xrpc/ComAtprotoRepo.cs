using Pds.Api.Auth;
using Pds.Application.Repo.Commands.ApplyWrites;
using Pds.Application.Repo.Commands.CreateRecord;
using Pds.Application.Repo.Commands.DeleteRecord;
using Pds.Application.Repo.Commands.PutRecord;
using Pds.Application.Repo.Queries.DescribeRepo;
using Pds.Application.Repo.Queries.GetRecord;
using Pds.Application.Repo.Queries.ListRecords;

namespace Pds.Api.Xrpc;

/// <summary>com.atproto.repo.*</summary>
internal static class ComAtprotoRepo
{
    public static void MapComAtprotoRepo(this IEndpointRouteBuilder x)
    {
        var write = AuthRequirement.Standard.Active();
        x.Procedure<CreateRecordCommand, CreateRecordOutput>("com.atproto.repo.createRecord").RequireAuth(write);
        x.Procedure<PutRecordCommand, PutRecordOutput>("com.atproto.repo.putRecord").RequireAuth(write);
        x.Procedure<DeleteRecordCommand, DeleteRecordOutput>("com.atproto.repo.deleteRecord").RequireAuth(write);
        x.Procedure<ApplyWritesCommand, ApplyWritesOutput>("com.atproto.repo.applyWrites").RequireAuth(write);

        x.Query<GetRecordQuery, GetRecordOutput>("com.atproto.repo.getRecord");
        x.Query<ListRecordsQuery, ListRecordsOutput>("com.atproto.repo.listRecords");
        x.Query<DescribeRepoQuery, DescribeRepoOutput>("com.atproto.repo.describeRepo");
    }
}
