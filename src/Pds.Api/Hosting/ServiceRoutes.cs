namespace Pds.Api.Hosting;

/// <summary>The routes outside XRPC that every PDS answers: the banner, robots.txt and health.</summary>
internal static class ServiceRoutes
{
    private const string Banner =
        """
        This is an AT Protocol Personal Data Server (PDS).

        It hosts the accounts and signed data repositories of its users and serves them to
        the network. Most API routes are under /xrpc/.

          Protocol:  https://atproto.com
          Specs:     https://atproto.com/specs/atp

        """;

    // Crawling the public API is allowed, as with the reference PDS.
    private const string Robots = "# Crawling the public API is allowed.\nUser-agent: *\nAllow: /\n";

    public static void MapServiceRoutes(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => TypedResults.Text(Banner, "text/plain; charset=utf-8"));
        app.MapGet("/robots.txt", () => TypedResults.Text(Robots, "text/plain; charset=utf-8"));
        app.MapGet("/xrpc/_health", () => TypedResults.Ok(new HealthOutput(PdsHosting.Version)));
    }

    private sealed record HealthOutput(string Version);
}
