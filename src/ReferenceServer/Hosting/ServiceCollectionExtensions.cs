using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Switchboard.ReferenceServer.Api;
using Switchboard.ReferenceServer.Auth;
using Switchboard.ReferenceServer.Connections;
using Switchboard.ReferenceServer.Diagnostics;
using Switchboard.ReferenceServer.Features;
using Switchboard.ReferenceServer.Hosting;
using Switchboard.ReferenceServer.Messaging;
using Switchboard.ReferenceServer.Options;
using Switchboard.ReferenceServer.Storage;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the reference server core.</summary>
public static class SwitchboardServiceCollectionExtensions
{
    /// <summary>
    /// Adds options (validated on start), the SQLite store, signing key, token service, connection registry, durable
    /// delivery, command dispatcher and the core command handlers, health checks, metrics and hosted services.
    /// </summary>
    public static IServiceCollection AddSwitchboardReferenceServer(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<SwitchboardOptions>()
            .Bind(configuration.GetSection(SwitchboardOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SwitchboardOptions>, SwitchboardOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SwitchboardOptions>, SwitchboardOptionsConsistencyValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<SwitchboardMetrics>();
        services.TryAddSingleton<IFaultInjector, NoFaultInjector>();

        services.TryAddSingleton(sp => DataDirectory.Resolve(
            sp.GetRequiredService<IOptions<SwitchboardOptions>>().Value.DataDirectory,
            Directory.GetCurrentDirectory()));
        services.TryAddSingleton<SigningKeyProvider>();
        services.TryAddSingleton<TokenService>();

        services.AddSingleton<ISqliteMigration, CoreSchemaMigration>();
        services.TryAddSingleton(sp =>
        {
            var db = new SqliteDatabase(Path.Combine(sp.GetRequiredService<DataDirectory>().Path, "switchboard.db"));
            db.ApplyMigrations(sp.GetServices<ISqliteMigration>(), sp.GetRequiredService<TimeProvider>());
            return db;
        });
        services.TryAddSingleton<IMessageStore, SqliteMessageStore>();

        services.TryAddSingleton<ConnectionRegistry>();
        services.TryAddSingleton<IConnectionRegistry>(sp => sp.GetRequiredService<ConnectionRegistry>());
        services.TryAddSingleton<IMessageRouter, LocalMessageRouter>();
        services.TryAddSingleton<DurableDelivery>();
        services.TryAddSingleton<IDurableDelivery>(sp => sp.GetRequiredService<DurableDelivery>());
        services.TryAddSingleton<CommandDispatcher>();
        services.TryAddSingleton<ConnectionServices>();
        services.TryAddSingleton<ShutdownState>();
        services.TryAddSingleton<UserConnectionLimiter>();
        services.TryAddSingleton<WebSocketGateway>();

        services.TryAddSingleton<RoomService>();
        services.TryAddSingleton<PresenceService>();
        services.AddSingleton<ICommandHandler, CoreCommandHandler>();
        services.AddSingleton<ICommandHandler, RoomCommandHandler>();
        services.AddSingleton<ICommandHandler, ChatCommandHandler>();
        services.AddSingleton<ICommandHandler>(sp => sp.GetRequiredService<PresenceService>());
        services.AddSingleton<IConnectionLifecycleHandler>(sp => sp.GetRequiredService<RoomService>());

        services.AddHealthChecks()
            .AddCheck<SqliteHealthCheck>("sqlite", HealthStatus.Unhealthy, ["ready"])
            .AddCheck<ShutdownHealthCheck>(ShutdownHealthCheck.Name, HealthStatus.Unhealthy, ["ready"]);
        services.AddProblemDetails();
        services.AddSingleton<AdminAuthFilter>();

        services.AddHostedService<StartupInitializer>();
        services.AddHostedService<ShutdownCoordinator>();
        services.AddHostedService<RetentionService>();
        return services;
    }
}
