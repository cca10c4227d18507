using FluentValidation;
using Pds.Application.Accounts;
using Pds.Application.Common.Configuration;
using Pds.Application.Common.Abstractions;
using Pds.Application.Identity;
using Pds.Application.Repo;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Pds.Domain.Auth;
using Microsoft.Extensions.DependencyInjection;

namespace Pds.Application;

public static class DependencyInjection
{
    /// <summary>Registers the use cases' validators. The mediator itself is generated in the host.</summary>
    public static IServiceCollection AddApplication(this IServiceCollection services)
    {
        var validatorType = typeof(IValidator<>);
        foreach (var type in typeof(DependencyInjection).Assembly.GetTypes())
        {
            if (type.IsAbstract || type.IsGenericTypeDefinition)
            {
                continue;
            }

            foreach (var contract in type.GetInterfaces())
            {
                if (contract.IsGenericType && contract.GetGenericTypeDefinition() == validatorType)
                {
                    // Validators hold no state; built once, not per request (building the rules is costly).
                    services.AddSingleton(contract, type);
                }
            }
        }

        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<PdsOptions>();
            return new SessionTokens(options.Secrets.JwtSecret, options.Service.Did, sp.GetService<TimeProvider>());
        });
        services.AddSingleton<ServiceKeys>();
        services.AddScoped<SessionIssuer>();
        services.AddScoped<SessionViews>();
        services.AddScoped<HandlePolicy>();
        services.AddScoped<IdentityLookup>();
        services.AddScoped<PlcIdentity>();
        services.AddSingleton<RepoSigningKeyCache>();
        services.AddSingleton<RepoBlockCache>();
        services.AddScoped<Proxy.ServiceProxyResolver>();
        services.AddScoped<Proxy.ProxyServiceAuth>();
        services.AddScoped<Proxy.ReadAfterWrite>();
        services.AddScoped<RepoTransactor>();
        services.AddScoped<RepoAccess>();
        services.AddScoped<RecordPreparation>();
        services.AddScoped<Sync.SyncAccess>();
        services.AddScoped<Server.Lifecycle.IdentityCheck>();
        services.AddSingleton<Server.Lifecycle.InviteCodeFactory>();
        services.AddScoped<Server.Lifecycle.AccountRemover>();
        services.AddScoped<Admin.AdminAccountViews>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<PdsOptions>();
            return new OAuth.OAuthSettings
            {
                Issuer = options.Service.PublicUrl.GetLeftPart(UriPartial.Authority),
                Audience = options.Service.Did,
                AllowLoopbackClientMetadata = options.Service.OAuthLoopbackClientMetadata,
            };
        });
        services.AddSingleton(sp => new OAuth.DpopNonces(
            System.Text.Encoding.UTF8.GetBytes(sp.GetRequiredService<PdsOptions>().Secrets.DpopSecret),
            sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddSingleton(sp => new OAuth.OAuthAccessTokens(
            System.Security.Cryptography.HMACSHA256.HashData(
                System.Text.Encoding.UTF8.GetBytes(sp.GetRequiredService<PdsOptions>().Secrets.JwtSecret),
                "oauth access token"u8),
            sp.GetRequiredService<OAuth.OAuthSettings>()));
        services.AddSingleton<OAuth.OAuthClientResolver>();
        services.AddScoped<OAuth.OAuthProvider>();
        services.AddScoped<OAuth.OAuthSignIn>();
        return services;
    }
}
