using System.Globalization;
using System.Reflection;
using System.Text.Json.Serialization;
using Mediator;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Pds.Api.Auth;
using Pds.Api.Plc;
using Pds.Api.WellKnown;
using Pds.Application.Common.Abstractions;
using Pds.Api.Xrpc;
using Pds.Application.Common.Behaviors;
using Pds.Application.Common.Configuration;
using Pds.Application.Server.Queries.DescribeServer;
using Pds.Infrastructure.Configuration;
using Pds.Infrastructure.Persistence;

namespace Pds.Api.Hosting;

internal static class PdsHosting
{
    public static string Version { get; } = ReadVersion();

    /// <summary>
    /// Settings come from environment variables (the reference PDS's names), appsettings.json, and
    /// the optional JSON file named by <c>PDS_CONFIG_FILE</c>; environment variables win.
    /// </summary>
    public static void AddPdsConfiguration(this WebApplicationBuilder builder)
    {
        var file = builder.Configuration[PdsConfigurationKeys.ConfigFile];
        if (!string.IsNullOrWhiteSpace(file))
        {
            builder.Configuration.AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: false);
            builder.Configuration.AddEnvironmentVariables();
        }

        // Per-statement and per-request framework messages at Information would drown the log.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);

        builder.Services.AddSingleton(sp =>
        {
            var configuration = sp.GetRequiredService<IConfiguration>();
            return PdsConfigurationLoader.Load(key => configuration[key], Version);
        });
    }

    public static IServiceCollection AddPdsApi(this IServiceCollection services)
    {
        services.AddMediator((MediatorOptions options) =>
        {
            options.ServiceLifetime = ServiceLifetime.Scoped;
            options.Assemblies = [typeof(DescribeServerQuery)];
            options.PipelineBehaviors = [typeof(Pds.Application.Common.RateLimits.RateLimitBehavior<,>), typeof(ValidationBehavior<,>)];
        });

        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
            o.SerializerOptions.RespectNullableAnnotations = true;
            o.SerializerOptions.RespectRequiredConstructorParameters = true;
        });
        services.AddExceptionHandler<XrpcExceptionHandler>();
        services.AddSingleton<IdleMemoryTrim>();
        services.AddHostedService(sp => sp.GetRequiredService<IdleMemoryTrim>());
        services.AddHttpContextAccessor();
        services.AddScoped<RequestContext>();
        services.AddScoped<IRequestContext>(sp => sp.GetRequiredService<RequestContext>());
        services.AddScoped<AuthVerifier>();
        services.AddSingleton<XrpcMethodTable>();
        Pds.Api.Proxy.XrpcProxy.AddXrpcProxy(services);

        // Browsers' apps on any origin talk to a PDS directly, as with the reference PDS.
        services.AddCors(o => o.AddDefaultPolicy(p => p
            .AllowAnyOrigin()
            .AllowAnyMethod()
            .AllowAnyHeader()
            .WithExposedHeaders(XrpcHeaders.Exposed)
            .SetPreflightMaxAge(TimeSpan.FromDays(1))));

        // The server is created while the host is built, before the options are validated, so the
        // port is read here without failing; a bad PDS_PORT is reported by TryValidateConfiguration.
        services.AddOptions<KestrelServerOptions>().Configure<IConfiguration>((kestrel, configuration) =>
        {
            var port = int.TryParse(configuration[PdsConfigurationKeys.Port], NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and <= 65535
                ? p
                : PdsConfigurationLoader.DefaultPort;
            // PDS_BIND_ADDRESS narrows listening to one interface (tests and reverse-proxied set-ups use loopback).
            if (System.Net.IPAddress.TryParse(configuration[PdsConfigurationKeys.BindAddress], out var address))
            {
                kestrel.Listen(address, port);
            }
            else
            {
                kestrel.ListenAnyIP(port);
            }

            kestrel.AddServerHeader = false;
        });
        return services;
    }

    /// <summary>Resolves the options once; a bad setting prints one line naming the key.</summary>
    public static bool TryValidateConfiguration(this WebApplication app)
    {
        try
        {
            app.Services.GetRequiredService<PdsOptions>();
            app.Services.GetRequiredService<IBlobStore>();
            return true;
        }
        catch (PdsConfigurationException e)
        {
            Console.Error.WriteLine($"configuration error: {e.Message}");
            return false;
        }
    }

    /// <summary>Applies the database's pending migrations and returns their ids (none when it is up to date).</summary>
    public static async Task<IReadOnlyList<string>> MigrateDatabaseAsync(this WebApplication app)
    {
        var scope = app.Services.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            return await DatabaseMigrator.MigrateAsync(scope.ServiceProvider.GetRequiredService<PdsDbContext>()).ConfigureAwait(false);
        }
    }

    public static void UsePdsApi(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Reached only if no IExceptionHandler answered; never reveals the exception.
            ExceptionHandler = XrpcExceptionHandler.WriteInternalErrorAsync,
            SuppressDiagnosticsCallback = c => c.ExceptionHandledBy == ExceptionHandledType.ExceptionHandlerService
                && c.Exception is not null && XrpcExceptionHandler.IsClientError(c.Exception),
        });
        app.UseCors();
        app.UseXrpcRateLimits();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.MapServiceRoutes();
        app.MapIdentityWellKnown();
        Pds.Api.OAuth.OAuthEndpoints.MapOAuth(app);
        app.MapEmbeddedPlcDirectory();
        app.MapXrpc();
    }

    private static string ReadVersion()
    {
        var version = typeof(PdsHosting).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }
}
