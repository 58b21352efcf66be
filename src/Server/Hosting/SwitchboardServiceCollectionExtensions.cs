using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Switchboard.Server.Api;
using Switchboard.Server.Auth;
using Switchboard.Server.Connections;
using Switchboard.Server.Diagnostics;
using Switchboard.Server.Features;
using Switchboard.Server;
using Switchboard.Server.Hosting;
using Switchboard.Server.Messaging;
using Switchboard.Server.Options;
using Switchboard.Server.Storage;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Switchboard server core in any ASP.NET Core application.</summary>
public static class SwitchboardServiceCollectionExtensions
{
    /// <summary>
    /// Adds options (section <c>Switchboard</c> of the application's configuration, then <paramref name="configure"/>;
    /// validated on start), the SQLite store, signing key, token service, connection registry, durable delivery,
    /// command dispatcher and the core command handlers, health checks, metrics and hosted services. Map the endpoints
    /// with <c>app.MapSwitchboard()</c>; chain modules on the returned builder (<c>.AddServiceDesk()</c>).
    /// Calling it again adds nothing more (only <paramref name="configure"/> is applied).
    /// </summary>
    public static ISwitchboardBuilder AddSwitchboard(this IServiceCollection services, Action<SwitchboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!services.Any(d => d.ServiceType == typeof(SwitchboardMarker)))
        {
            AddCore(services);
        }

        if (configure is not null)
        {
            services.Configure(configure); // after the configuration binding, so code wins over appsettings
        }

        return new SwitchboardBuilder(services);
    }

    private static void AddCore(IServiceCollection services)
    {
        services.AddSingleton<SwitchboardMarker>();
        // Before anything can log a request's query string (SB-AUTH-020). Needs the host's IServer registered already,
        // which WebApplication.CreateBuilder does.
        CredentialRedaction.DecorateServer(services);
        services.AddOptions<SwitchboardOptions>()
            .BindConfiguration(SwitchboardOptions.SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SwitchboardOptions>, SwitchboardOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SwitchboardOptions>, SwitchboardOptionsConsistencyValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<SwitchboardMetrics>();

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

        services.TryAddSingleton<IRoomService, RoomService>();
        services.TryAddSingleton<IPresenceService, PresenceService>();
        services.AddSingleton<ICommandHandler, CoreCommandHandler>();
        services.AddSingleton<ICommandHandler, RoomCommandHandler>();
        services.AddSingleton<ICommandHandler, ChatCommandHandler>();
        services.AddSingleton<ICommandHandler>(sp => sp.GetRequiredService<IPresenceService>());
        services.AddSingleton<IConnectionLifecycleHandler>(sp => sp.GetRequiredService<IRoomService>());

        services.AddHealthChecks()
            .AddCheck<SqliteHealthCheck>("sqlite", HealthStatus.Unhealthy, ["ready"])
            .AddCheck<ShutdownHealthCheck>(ShutdownHealthCheck.Name, HealthStatus.Unhealthy, ["ready"]);
        services.AddProblemDetails();
        // The /api/v1 group: ASP.NET Core authentication (our scheme, never the host's default) + an authorization policy.
        services.AddAuthentication().AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, AdminBearerHandler>(AdminApiAuthentication.SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(AdminApiAuthentication.PolicyName, AdminApiAuthentication.Policy);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.AspNetCore.Authorization.IAuthorizationHandler, AdminApiRequirementHandler>());
        services.AddSingleton<ApiExceptionFilter>();

        services.AddHostedService<StartupInitializer>();
        services.AddHostedService<ShutdownCoordinator>();
        services.AddHostedService<RetentionService>();
    }

    /// <summary>Marks a collection to which <see cref="AddSwitchboard"/> has already added the core.</summary>
    private sealed class SwitchboardMarker;
}
