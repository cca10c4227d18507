using System.Text.Json;
using Pds.Api.Auth;
using Pds.Application.Moderation.Commands.CreateReport;
using Pds.Domain.Auth;

namespace Pds.Api.Xrpc;

/// <summary>com.atproto.moderation.*</summary>
internal static class ComAtprotoModeration
{
    public static void MapComAtprotoModeration(this IEndpointRouteBuilder x)
    {
        // Taken-down accounts may still report (to appeal), as in the reference PDS.
        x.Procedure<CreateReportCommand, JsonElement>(CreateReportHandler.Nsid)
            .RequireAuth(AuthRequirement.Standard.WithAdditional(AuthScope.Takendown));
    }
}
