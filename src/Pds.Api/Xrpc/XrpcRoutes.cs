using Pds.Api.Sync;

namespace Pds.Api.Xrpc;

internal static class XrpcRoutes
{
    public static void MapXrpc(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapComAtprotoServer();
        endpoints.MapComAtprotoIdentity();
        endpoints.MapComAtprotoRepo();
        endpoints.MapComAtprotoSync();
        endpoints.MapComAtprotoAdmin();
        endpoints.MapComAtprotoModeration();
        endpoints.MapBlobs();
        endpoints.MapAppBsky();
        endpoints.MapSubscribeRepos();
        endpoints.MapXrpcFallback();
    }
}
