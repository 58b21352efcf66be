using Switchboard.Protocol;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Switchboard.Server.Api;
using Switchboard.Server.Auth;
using Switchboard.Server.Connections;
using Switchboard.Server.Diagnostics;
using Switchboard.Server.Messaging;
using Switchboard.Server.Options;
using Switchboard.Server.Storage;
using Switchboard.Server;
using Switchboard.Server.Hosting;
using Switchboard.Server.Web;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Maps Switchboard's endpoints in any ASP.NET Core application (after <c>builder.Services.AddSwitchboard()</c>).
/// </summary>
/// <remarks>
/// An extension of <see cref="WebApplication"/> rather than <see cref="IEndpointRouteBuilder"/>: besides routes it adds
/// middleware (<c>UseWebSockets</c>, the static pages when <c>Switchboard:Web:Pages</c> is on) and logs the listen
/// addresses once the application has started, which need the application builder and its lifetime.
/// </remarks>
public static class SwitchboardWebApplicationExtensions
{
    /// <summary>
    /// Maps WebSockets (<c>/web</c>, <c>/app</c>), <c>/health</c>, <c>/stats</c> (loopback only), the <c>/api/v1</c> HTTP
    /// API, the endpoints of every module (<see cref="ISwitchboardEndpointMapper"/>) and, when enabled in
    /// <c>Switchboard:Web</c>, the static pages and the demo sign-in.
    /// </summary>
    public static WebApplication MapSwitchboard(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseWebSockets();
        WebPages.Map(app); // static pages from the web root and the loopback-only demo sign-in (Web/)
        var gateway = app.Services.GetRequiredService<WebSocketGateway>();
        app.Map("/web", (HttpContext http) => gateway.HandleAsync(http, Namespaces.Web));
        app.Map("/app", (HttpContext http) => gateway.HandleAsync(http, Namespaces.App));
        HealthEndpoint.Map(app);
        StatsEndpoint.Map(app);

        var api = app.MapGroup("/api/v1");
        api.RequireAuthorization(AdminApiAuthentication.PolicyName); // 401/403 problem+json from AdminBearerHandler
        api.AddEndpointFilter<ApiExceptionFilter>();
        BackendApi.Map(api);
        foreach (var module in app.Services.GetServices<ISwitchboardEndpointMapper>())
        {
            module.Map(app, api);
        }

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Switchboard.ReferenceServer");
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
            Log.Listening(logger, addresses is null ? "(unknown)" : string.Join(", ", addresses));
            var db = app.Services.GetRequiredService<SqliteDatabase>();
            Log.DataDirectory(logger, app.Services.GetRequiredService<DataDirectory>().Path, db.FilePath);
            Log.SigningKeySource(logger, app.Services.GetRequiredService<SigningKeyProvider>().Source);
            var options = app.Services.GetRequiredService<IOptions<SwitchboardOptions>>().Value;
            if (options.AllowedOrigins.Count == 0 && addresses?.FirstOrDefault(a => !ListenAddress.IsLoopback(a)) is { } exposed)
            {
                // An empty allow-list lets any web page open connections from its visitors' browsers: fine on loopback
                // (development), a risk once the server is reachable from other machines (SB-HS-005).
                Log.OriginAllowListEmpty(logger, exposed);
            }
        });
        return app;
    }
}
