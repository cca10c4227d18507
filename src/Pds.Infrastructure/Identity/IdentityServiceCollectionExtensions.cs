using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Infrastructure.Identity.EmbeddedPlc;

namespace Pds.Infrastructure.Identity;

public static class IdentityServiceCollectionExtensions
{
    public static IServiceCollection AddIdentityResolution(this IServiceCollection services)
    {
        services.AddHttpClient<HttpPlcClient>((sp, http) =>
        {
            var identity = sp.GetRequiredService<PdsOptions>().Identity;
            var baseUrl = identity.PlcUrl.ToString();
            http.BaseAddress = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/");
            http.Timeout = identity.ResolverTimeout;
        });
        services.AddHttpClient(DidResolver.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.AddHttpClient(HandleResolver.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.AddScoped<EmbeddedPlcClient>();
        services.AddScoped<IPlcClient>(sp => sp.GetRequiredService<PdsOptions>().Identity.EmbeddedPlcDirectory
            ? sp.GetRequiredService<EmbeddedPlcClient>()
            : sp.GetRequiredService<HttpPlcClient>());
        services.AddSingleton<DidDocumentCache>();
        services.TryAddSingleton(new HandleResolverEndpoints());
        services.AddScoped<IDidResolver, DidResolver>();
        services.AddScoped<HandleResolver>();
        services.AddSingleton<HandleCache>();
        services.AddSingleton<IdentityRefresher>();
        services.TryAddSingleton<ISharedIdentityCache>(sp => sp.GetRequiredService<PdsOptions>().Limits.RedisScratchAddress is { Length: > 0 }
            ? OptionalParts.RedisIdentityCache(sp)
            : new NoSharedIdentityCache());
        services.AddScoped<IHandleResolver, CachingHandleResolver>();
        return services;
    }
}
