using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Switchboard.Server;
using Switchboard.Server.Messaging;
using Switchboard.Server.ServiceDesk;
using Switchboard.Server.ServiceDesk.Domain;
using Switchboard.Server.ServiceDesk.Http;
using Switchboard.Server.ServiceDesk.Persistence;
using Switchboard.Server.ServiceDesk.Protocol;
using Switchboard.Server.Storage;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registration of the Switchboard customer-service desk.</summary>
public static class ServiceDeskServiceCollectionExtensions
{
    /// <summary>
    /// Adds the service desk to <c>AddSwitchboard()</c>: options (section <c>Switchboard:ServiceDesk</c>, then
    /// <paramref name="configure"/>; validated at startup), its SQLite tables (a migration of the shared database), the
    /// command handler, the connection lifecycle handler, the startup re-arming of persisted timers, and its HTTP
    /// endpoints on the admin <c>/api/v1</c> group (mapped by <c>MapSwitchboard()</c>).
    /// </summary>
    public static ISwitchboardBuilder AddServiceDesk(this ISwitchboardBuilder builder, Action<ServiceDeskOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!builder.Services.Any(d => d.ServiceType == typeof(ISwitchboardEndpointMapper) && d.ImplementationType == typeof(ServiceDeskEndpoints)))
        {
            AddCore(builder);
        }

        if (configure is not null)
        {
            builder.Services.Configure(configure); // after the configuration binding, so code wins over appsettings
        }

        return builder;
    }

    private static void AddCore(ISwitchboardBuilder builder)
    {
        var services = builder.Services;
        builder.AddEndpoints<ServiceDeskEndpoints>();
        services.AddOptions<ServiceDeskOptions>()
            .BindConfiguration(ServiceDeskOptions.SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ServiceDeskOptions>, ServiceDeskOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISqliteMigration, ServiceDeskSchema>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISqliteMigration, ServiceDeskClusterSchema>());
        services.TryAddSingleton(sp => ServiceDeskOptions.Deadlines(sp.GetRequiredService<IOptions<ServiceDeskOptions>>().Value));
        // The single-node state store; a cluster module (AddRedis) replaces it whatever the call order.
        services.TryAddSingleton<IDeskStateStore>(sp => new SqliteDeskStore(sp.GetRequiredService<SqliteDatabase>()));
        services.TryAddSingleton<ServiceDeskMetrics>();
        services.TryAddSingleton<ProtocolDeskOutbox>();
        services.TryAddSingleton<IDeskOutbox>(sp => sp.GetRequiredService<ProtocolDeskOutbox>());
        services.TryAddSingleton<IDeskPresence, RegistryDeskPresence>();
        services.TryAddSingleton<ServiceDeskEngine>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICommandHandler, ServiceDeskCommandHandler>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectionLifecycleHandler, ServiceDeskLifecycle>());
        services.AddHostedService<ServiceDeskInitializer>();
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

    private sealed class ServiceDeskEndpoints : ISwitchboardEndpointMapper
    {
        public void Map(IEndpointRouteBuilder endpoints, RouteGroupBuilder adminApi) => adminApi.MapServiceDeskApi();
    }
}
