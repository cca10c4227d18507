using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Pds.Api.Xrpc;
using Pds.Application.Common.Errors;

namespace Pds.Api.Tests;

/// <summary>
/// Appends test-only routes after the server's own pipeline (inside its exception handler), to
/// drive the JSON body reader and the error mapping with inputs no production method accepts yet.
/// </summary>
internal sealed class PipelineProbe : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        next(app);
        app.Run(async context =>
        {
            switch (context.Request.Path.Value)
            {
                case "/probe/echo":
                    var body = await XrpcEndpoints.ReadJsonBodyAsync<EchoInput>(context);
                    await context.Response.WriteAsJsonAsync(body);
                    break;
                case "/probe/crash":
                    throw new InvalidOperationException("connection string Password=hunter2 leaked");
                case "/probe/xrpc-error":
                    throw new XrpcException(409, "RepoAlreadyExists", "The repository already exists");
                default:
                    context.Response.StatusCode = 404;
                    break;
            }
        });
    };

    internal sealed record EchoInput(string Text, int? Count);
}
