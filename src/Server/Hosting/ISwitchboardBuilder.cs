using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Switchboard.Server;

/// <summary>
/// What <c>services.AddSwitchboard()</c> returns: modules chain their own registrations on it
/// (<c>.AddServiceDesk()</c>, later <c>.AddRedis(...)</c>), as <c>AddSignalR()</c> does for its backplanes.
/// </summary>
public interface ISwitchboardBuilder
{
    /// <summary>The application's services.</summary>
    IServiceCollection Services { get; }
}

/// <summary>
/// A module's endpoints. Register one with <see cref="SwitchboardBuilderExtensions.AddEndpoints{TMapper}"/>;
/// <c>app.MapSwitchboard()</c> calls every registered mapper after the core endpoints, so a module adds HTTP routes
/// without editing the core.
/// </summary>
public interface ISwitchboardEndpointMapper
{
    /// <summary>Maps the module's endpoints.</summary>
    /// <param name="endpoints">The application's route builder.</param>
    /// <param name="adminApi">The core's <c>/api/v1</c> group, already guarded by the admin Bearer token (SB-API-001).</param>
    void Map(IEndpointRouteBuilder endpoints, RouteGroupBuilder adminApi);
}

internal sealed class SwitchboardBuilder(IServiceCollection services) : ISwitchboardBuilder
{
    public IServiceCollection Services { get; } = services;
}

/// <summary>Registration helpers for modules.</summary>
public static class SwitchboardBuilderExtensions
{
    /// <summary>Registers <typeparamref name="TMapper"/> (once) so that <c>MapSwitchboard()</c> maps its endpoints.</summary>
    public static ISwitchboardBuilder AddEndpoints<TMapper>(this ISwitchboardBuilder builder)
        where TMapper : class, ISwitchboardEndpointMapper
    {
        ArgumentNullException.ThrowIfNull(builder);
        Microsoft.Extensions.DependencyInjection.Extensions.ServiceCollectionDescriptorExtensions.TryAddEnumerable(
            builder.Services, ServiceDescriptor.Singleton<ISwitchboardEndpointMapper, TMapper>());
        return builder;
    }
}
