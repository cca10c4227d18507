using Pds.Api.Auth;
using Pds.Application.Server.Commands.CreateAccount;
using Pds.Application.Server.Commands.CreateAppPassword;
using Pds.Application.Server.Commands.CreateSession;
using Pds.Application.Server.Commands.DeleteSession;
using Pds.Application.Server.Commands.RefreshSession;
using Pds.Application.Server.Commands.ReserveSigningKey;
using Pds.Application.Server.Commands.RevokeAppPassword;
using Pds.Application.Server.Queries.DescribeServer;
using Pds.Application.Server.Queries.GetServiceAuth;
using Pds.Application.Server.Queries.GetSession;
using Pds.Application.Server.Lifecycle;
using Pds.Application.Server.Queries.ListAppPasswords;
using Pds.Domain.Auth;
using Mediator;

namespace Pds.Api.Xrpc;

/// <summary>com.atproto.server.*</summary>
internal static class ComAtprotoServer
{
    public static void MapComAtprotoServer(this IEndpointRouteBuilder x)
    {
        x.Query<DescribeServerQuery, DescribeServerOutput>("com.atproto.server.describeServer");

        x.Procedure<CreateAccountCommand, CreateAccountOutput>("com.atproto.server.createAccount")
            .RequireAuth(AuthRequirement.ServiceOptional);
        x.Procedure<CreateSessionCommand, SessionOutput>("com.atproto.server.createSession");
        x.Procedure<RefreshSessionCommand, SessionOutput>("com.atproto.server.refreshSession")
            .RequireAuth(AuthRequirement.RefreshToken);
        x.Procedure<DeleteSessionCommand, Unit>("com.atproto.server.deleteSession")
            .RequireAuth(AuthRequirement.RefreshToken);
        x.Query<GetSessionQuery, GetSessionOutput>("com.atproto.server.getSession")
            .RequireAuth(AuthRequirement.Standard.WithAdditional(AuthScope.Takendown, AuthScope.SignupQueued));

        x.Procedure<CreateAppPasswordCommand, CreateAppPasswordOutput>("com.atproto.server.createAppPassword")
            .RequireAuth(AuthRequirement.Full.Active());
        x.Query<ListAppPasswordsQuery, ListAppPasswordsOutput>("com.atproto.server.listAppPasswords")
            .RequireAuth(AuthRequirement.Full);
        x.Procedure<RevokeAppPasswordCommand, Unit>("com.atproto.server.revokeAppPassword")
            .RequireAuth(AuthRequirement.Full);

        x.Query<GetServiceAuthQuery, GetServiceAuthOutput>("com.atproto.server.getServiceAuth")
            .RequireAuth(AuthRequirement.Standard.WithAdditional(AuthScope.Takendown));
        x.Procedure<ReserveSigningKeyCommand, ReserveSigningKeyOutput>("com.atproto.server.reserveSigningKey");

        x.Query<CheckAccountStatusQuery, CheckAccountStatusOutput>("com.atproto.server.checkAccountStatus")
            .RequireAuth(AuthRequirement.Standard.WithAdditional(AuthScope.SignupQueued));
        x.Procedure<ActivateAccountCommand, Unit>("com.atproto.server.activateAccount")
            .RequireAuth(AuthRequirement.Full.WithAdditional(AuthScope.Takendown));
        x.Procedure<DeactivateAccountCommand, Unit>("com.atproto.server.deactivateAccount")
            .RequireAuth(AuthRequirement.Full);
        x.Procedure<RequestAccountDeleteCommand, Unit>("com.atproto.server.requestAccountDelete")
            .RequireAuth(AuthRequirement.Full.WithAdditional(AuthScope.Takendown));
        x.Procedure<DeleteAccountCommand, Unit>("com.atproto.server.deleteAccount");
        x.Procedure<RequestPasswordResetCommand, Unit>("com.atproto.server.requestPasswordReset");
        x.Procedure<ResetPasswordCommand, Unit>("com.atproto.server.resetPassword");
        x.Procedure<RequestEmailConfirmationCommand, Unit>("com.atproto.server.requestEmailConfirmation")
            .RequireAuth(AuthRequirement.Standard.WithOAuth(AuthRequirement.ManageEmail, "account:email?action=manage"));
        x.Procedure<ConfirmEmailCommand, Unit>("com.atproto.server.confirmEmail")
            .RequireAuth(AuthRequirement.Standard.WithOAuth(AuthRequirement.ManageEmail, "account:email?action=manage"));
        x.Procedure<RequestEmailUpdateCommand, RequestEmailUpdateOutput>("com.atproto.server.requestEmailUpdate")
            .RequireAuth(AuthRequirement.Full.WithOAuth(AuthRequirement.ManageEmail, "account:email?action=manage"));
        x.Procedure<UpdateEmailCommand, Unit>("com.atproto.server.updateEmail")
            .RequireAuth(AuthRequirement.Full.WithOAuth(AuthRequirement.ManageEmail, "account:email?action=manage"));

        x.Procedure<CreateInviteCodeCommand, CreateInviteCodeOutput>("com.atproto.server.createInviteCode")
            .RequireAuth(AuthRequirement.AdminToken);
        x.Procedure<CreateInviteCodesCommand, CreateInviteCodesOutput>("com.atproto.server.createInviteCodes")
            .RequireAuth(AuthRequirement.AdminToken);
        x.Query<GetAccountInviteCodesQuery, GetAccountInviteCodesOutput>("com.atproto.server.getAccountInviteCodes")
            .RequireAuth(AuthRequirement.Full);
    }
}
