using Mediator;
using Pds.Api.Auth;
using Pds.Application.Identity;
using Pds.Application.Identity.Commands.RefreshIdentity;
using Pds.Application.Identity.Commands.RequestPlcOperationSignature;
using Pds.Application.Identity.Commands.SignPlcOperation;
using Pds.Application.Identity.Commands.SubmitPlcOperation;
using Pds.Application.Identity.Commands.UpdateHandle;
using Pds.Application.Identity.Queries.GetRecommendedDidCredentials;
using Pds.Application.Identity.Queries.ResolveDid;
using Pds.Application.Identity.Queries.ResolveHandle;
using Pds.Application.Identity.Queries.ResolveIdentity;

namespace Pds.Api.Xrpc;

/// <summary>com.atproto.identity.*</summary>
internal static class ComAtprotoIdentity
{
    public static void MapComAtprotoIdentity(this IEndpointRouteBuilder x)
    {
        x.Query<ResolveHandleQuery, ResolveHandleOutput>("com.atproto.identity.resolveHandle");
        x.Query<ResolveDidQuery, ResolveDidOutput>("com.atproto.identity.resolveDid");
        x.Query<ResolveIdentityQuery, IdentityInfo>("com.atproto.identity.resolveIdentity");
        x.Procedure<RefreshIdentityCommand, IdentityInfo>("com.atproto.identity.refreshIdentity");

        x.Procedure<UpdateHandleCommand, Unit>("com.atproto.identity.updateHandle")
            .RequireAuth(AuthRequirement.Standard.Active().WithOAuth(p => p.AllowsIdentity("handle"), "identity:handle"));
        x.Query<GetRecommendedDidCredentialsQuery, GetRecommendedDidCredentialsOutput>("com.atproto.identity.getRecommendedDidCredentials")
            .RequireAuth(AuthRequirement.Standard);
        x.Procedure<RequestPlcOperationSignatureCommand, Unit>("com.atproto.identity.requestPlcOperationSignature")
            .RequireAuth(AuthRequirement.Full.WithOAuth(p => p.AllowsIdentity("*"), "identity:*"));
        x.Procedure<SignPlcOperationCommand, SignPlcOperationOutput>("com.atproto.identity.signPlcOperation")
            .RequireAuth(AuthRequirement.Full.WithOAuth(p => p.AllowsIdentity("*"), "identity:*"));
        x.Procedure<SubmitPlcOperationCommand, Unit>("com.atproto.identity.submitPlcOperation")
            .RequireAuth(AuthRequirement.Full.WithOAuth(p => p.AllowsIdentity("*"), "identity:*"));
    }
}
