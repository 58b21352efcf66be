using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Switchboard.Server.ServiceDesk.Domain;

namespace Switchboard.Server.Redis.Desk;

/// <summary>Puts the desk's state in Redis: replaces the single-node SQLite store (the desk registers its default
/// with TryAdd), so <c>AddServiceDesk()</c> and <c>AddRedis()</c> work in either order.</summary>
internal static class RedisDeskRegistration
{
    public static void AddRedisDesk(IServiceCollection services)
    {
        services.Replace(ServiceDescriptor.Singleton<IDeskStateStore, RedisDeskStore>());
        services.Replace(ServiceDescriptor.Singleton<IDeskPresence, RedisDeskPresence>());
        // DAY_ACCESS is per agent: a signal makes every node announce a change to its own agents.
        services.TryAddSingleton<ClusterDeskOutbox>();
        services.Replace(ServiceDescriptor.Singleton<IDeskOutbox>(sp => sp.GetRequiredService<ClusterDeskOutbox>()));
    }
}
