using Pds.Application.Server.Queries.DescribeServer;

namespace Pds.Api.Xrpc;

/// <summary>com.atproto.server.*</summary>
internal static class ComAtprotoServer
{
    public static void MapComAtprotoServer(this IEndpointRouteBuilder x)
    {
        x.Query<DescribeServerQuery, DescribeServerOutput>("com.atproto.server.describeServer");
    }
}
