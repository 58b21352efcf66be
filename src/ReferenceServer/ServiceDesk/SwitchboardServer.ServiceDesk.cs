using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Switchboard.ReferenceServer.Hosting;

/// <summary>The service desk plugs into the server through the core's feature hooks (Messaging/README.md).</summary>
public static partial class SwitchboardServer
{
    static partial void AddFeatureServices(IServiceCollection services, IConfiguration configuration) =>
        services.AddServiceDesk(configuration);

    static partial void MapFeatureEndpoints(WebApplication app, RouteGroupBuilder adminApi) =>
        adminApi.MapServiceDeskApi();
}
