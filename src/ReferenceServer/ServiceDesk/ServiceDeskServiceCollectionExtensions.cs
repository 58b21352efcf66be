using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Switchboard.ReferenceServer.Messaging;
using Switchboard.ReferenceServer.ServiceDesk;
using Switchboard.ReferenceServer.ServiceDesk.Domain;
using Switchboard.ReferenceServer.ServiceDesk.Http;
using Switchboard.ReferenceServer.ServiceDesk.Persistence;
using Switchboard.ReferenceServer.ServiceDesk.Protocol;
using Switchboard.ReferenceServer.Storage;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registration of the Switchboard customer-service desk.</summary>
public static class ServiceDeskServiceCollectionExtensions
{
    /// <summary>
    /// Adds the service desk: options (section <c>Switchboard:ServiceDesk</c>, validated at startup), its SQLite
    /// tables (a migration of the shared database), the command handler, the connection lifecycle handler and the
    /// startup re-arming of persisted timers. Requires the core reference-server services.
    /// </summary>
    public static IServiceCollection AddServiceDesk(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ServiceDeskOptions>()
            .Bind(configuration.GetSection(ServiceDeskOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ServiceDeskOptions>, ServiceDeskOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISqliteMigration, ServiceDeskSchema>());
        services.TryAddSingleton(sp => ServiceDeskOptions.Deadlines(sp.GetRequiredService<IOptions<ServiceDeskOptions>>().Value));
        services.TryAddSingleton<ServiceDeskStore>();
        services.TryAddSingleton<ServiceDeskMetrics>();
        services.TryAddSingleton<ProtocolDeskOutbox>();
        services.TryAddSingleton<IDeskOutbox>(sp => sp.GetRequiredService<ProtocolDeskOutbox>());
        services.TryAddSingleton<IDeskPresence, RegistryDeskPresence>();
        services.TryAddSingleton<ServiceDeskEngine>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICommandHandler, ServiceDeskCommandHandler>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectionLifecycleHandler, ServiceDeskLifecycle>());
        services.AddHostedService<ServiceDeskInitializer>();
        return services;
    }

    /// <summary>
    /// Maps the service-desk backend endpoints (day-access stats, work orders, conversations) on the core's
    /// admin-authenticated <c>/api/v1</c> route group.
    /// </summary>
    public static RouteGroupBuilder MapServiceDeskApi(this RouteGroupBuilder adminApi)
    {
        ArgumentNullException.ThrowIfNull(adminApi);
        return ServiceDeskApi.Map(adminApi);
    }
}
