using Mediator;
using Pds.Api.Auth;
using Pds.Application.Admin;
using Pds.Application.Admin.Commands.DeleteAccount;
using Pds.Application.Admin.Commands.DisableAccountInvites;
using Pds.Application.Admin.Commands.DisableInviteCodes;
using Pds.Application.Admin.Commands.EnableAccountInvites;
using Pds.Application.Admin.Commands.SendEmail;
using Pds.Application.Admin.Commands.UpdateAccountEmail;
using Pds.Application.Admin.Commands.UpdateAccountHandle;
using Pds.Application.Admin.Commands.UpdateAccountPassword;
using Pds.Application.Admin.Commands.UpdateSubjectStatus;
using Pds.Application.Admin.Queries.GetAccountInfo;
using Pds.Application.Admin.Queries.GetAccountInfos;
using Pds.Application.Admin.Queries.GetInviteCodes;
using Pds.Application.Admin.Queries.GetSubjectStatus;
using Pds.Application.Admin.Queries.ListReports;
using Pds.Application.Admin.Queries.SearchAccounts;

namespace Pds.Api.Xrpc;

/// <summary>com.atproto.admin.* and this server's own admin methods: HTTP Basic as <c>admin</c> with PDS_ADMIN_PASSWORD.</summary>
internal static class ComAtprotoAdmin
{
    public static void MapComAtprotoAdmin(this IEndpointRouteBuilder x)
    {
        var admin = AuthRequirement.AdminToken;
        x.Query<GetAccountInfoQuery, AccountView>("com.atproto.admin.getAccountInfo").RequireAuth(admin);
        x.Query<GetAccountInfosQuery, GetAccountInfosOutput>("com.atproto.admin.getAccountInfos").RequireAuth(admin);
        x.Query<SearchAccountsQuery, SearchAccountsOutput>("com.atproto.admin.searchAccounts").RequireAuth(admin);
        x.Query<GetSubjectStatusQuery, SubjectStatusOutput>("com.atproto.admin.getSubjectStatus").RequireAuth(admin);
        x.Procedure<UpdateSubjectStatusCommand, UpdateSubjectStatusOutput>("com.atproto.admin.updateSubjectStatus").RequireAuth(admin);
        x.Procedure<UpdateAccountHandleCommand, Unit>("com.atproto.admin.updateAccountHandle").RequireAuth(admin);
        x.Procedure<UpdateAccountEmailCommand, Unit>("com.atproto.admin.updateAccountEmail").RequireAuth(admin);
        x.Procedure<UpdateAccountPasswordCommand, Unit>("com.atproto.admin.updateAccountPassword").RequireAuth(admin);
        x.Procedure<AdminDeleteAccountCommand, Unit>("com.atproto.admin.deleteAccount").RequireAuth(admin);
        x.Procedure<DisableAccountInvitesCommand, Unit>("com.atproto.admin.disableAccountInvites").RequireAuth(admin);
        x.Procedure<EnableAccountInvitesCommand, Unit>("com.atproto.admin.enableAccountInvites").RequireAuth(admin);
        x.Procedure<DisableInviteCodesCommand, Unit>("com.atproto.admin.disableInviteCodes").RequireAuth(admin);
        x.Query<GetInviteCodesQuery, GetInviteCodesOutput>("com.atproto.admin.getInviteCodes").RequireAuth(admin);
        x.Procedure<SendEmailCommand, SendEmailOutput>("com.atproto.admin.sendEmail").RequireAuth(admin);

        x.Query<ListReportsQuery, ListReportsOutput>(ListReportsHandler.Nsid).RequireAuth(admin);
    }
}
