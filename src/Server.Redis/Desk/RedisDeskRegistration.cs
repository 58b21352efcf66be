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
    }
}
