using FluentValidation;
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
                    services.AddScoped(contract, type);
                }
            }
        }

        return services;
    }
}
