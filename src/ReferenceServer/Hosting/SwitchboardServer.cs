using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Switchboard.ReferenceServer.Api;
using Switchboard.ReferenceServer.Auth;
using Switchboard.ReferenceServer.Connections;
using Switchboard.ReferenceServer.Diagnostics;
using Switchboard.ReferenceServer.Messaging;
using Switchboard.ReferenceServer.Options;
using Switchboard.ReferenceServer.Storage;

namespace Switchboard.ReferenceServer.Hosting;

/// <summary>
/// Builds and configures the reference server application. <c>Program.cs</c> and the test host
/// (<see cref="Testing.TestServerHost"/>) both go through here, so tests run the real server.
/// Feature modules plug in through the partial methods <see cref="AddFeatureServices"/> and
/// <see cref="MapFeatureEndpoints"/> (see Messaging/README.md).
/// </summary>
public static partial class SwitchboardServer
{
    /// <summary>The default listen URL when none is configured (<c>urls</c>, <c>ASPNETCORE_URLS</c>, Kestrel endpoints).</summary>
    public const string DefaultUrl = "http://127.0.0.1:8080";

    /// <summary>Command-line switches mapped to configuration keys.</summary>
    public static IReadOnlyDictionary<string, string> SwitchMappings { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--data-dir"] = "Switchboard:DataDirectory",
        ["--signing-key"] = "Switchboard:Auth:SigningKey",
        ["--server-name"] = "Switchboard:ServerName",
    };

    /// <summary>
    /// Creates the builder: standard configuration (appsettings.json, <c>Switchboard__*</c> environment variables,
    /// command line incl. <c>--data-dir</c>), default URL <see cref="DefaultUrl"/>, all server services.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[] args, WebApplicationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        // The content root is the application's own folder, not the current directory: appsettings.json (copied next
        // to the dll) is found however the server is started (`dotnet path/to/Switchboard.ReferenceServer.dll` from
        // anywhere). Without it logging fell back to Information and the request log printed tokens.
        var builder = WebApplication.CreateBuilder(options ?? new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddCommandLine(args, SwitchMappings.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey])
            && !builder.Configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.Services.AddSwitchboardReferenceServer(builder.Configuration);
        AddFeatureServices(builder.Services, builder.Configuration);
        return builder;
    }

    /// <summary>Builds the application and maps every endpoint.</summary>
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        CredentialRedaction.DecorateServer(builder.Services);
        var app = builder.Build();
        Map(app);
        return app;
    }

    /// <summary>Maps WebSockets (<c>/web</c>, <c>/app</c>), <c>/health</c>, <c>/stats</c> (loopback only) and the <c>/api/v1</c> HTTP API.</summary>
    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseWebSockets();
        Web.WebPages.Map(app); // static pages from the web root and the loopback-only demo sign-in (Web/)
        var gateway = app.Services.GetRequiredService<WebSocketGateway>();
        app.Map("/web", (HttpContext http) => gateway.HandleAsync(http, Namespaces.Web));
        app.Map("/app", (HttpContext http) => gateway.HandleAsync(http, Namespaces.App));
        HealthEndpoint.Map(app);
        StatsEndpoint.Map(app);

        var api = app.MapGroup("/api/v1");
        api.AddEndpointFilter<AdminAuthFilter>();
        BackendApi.Map(api);
        MapFeatureEndpoints(app, api);

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Switchboard.ReferenceServer");
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
            Log.Listening(logger, addresses is null ? "(unknown)" : string.Join(", ", addresses));
            var db = app.Services.GetRequiredService<SqliteDatabase>();
            Log.DataDirectory(logger, app.Services.GetRequiredService<DataDirectory>().Path, db.FilePath);
            Log.SigningKeySource(logger, app.Services.GetRequiredService<SigningKeyProvider>().Source);
            var options = app.Services.GetRequiredService<IOptions<SwitchboardOptions>>().Value;
            if (options.AllowedOrigins.Count == 0 && addresses?.FirstOrDefault(a => !IsLoopbackAddress(a)) is { } exposed)
            {
                // An empty allow-list lets any web page open connections from its visitors' browsers: fine on loopback
                // (development), a risk once the server is reachable from other machines (SB-HS-005).
                Log.OriginAllowListEmpty(logger, exposed);
            }
        });
    }

    /// <summary>
    /// Whether a listen address (<c>http://127.0.0.1:8080</c>, <c>http://[::1]:80</c>, <c>http://localhost:5000</c>)
    /// is reachable from this machine only. Wildcards (<c>0.0.0.0</c>, <c>[::]</c>, <c>*</c>, <c>+</c>) and other
    /// hosts are not.
    /// </summary>
    internal static bool IsLoopbackAddress(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var host = address;
        var scheme = host.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            host = host[(scheme + 3)..];
        }

        var slash = host.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            host = host[..slash];
        }

        if (host.StartsWith('['))
        {
            var end = host.IndexOf(']', StringComparison.Ordinal);
            host = end > 0 ? host[1..end] : host;
        }
        else if (host.LastIndexOf(':') is var colon and > 0)
        {
            host = host[..colon];
        }

        return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (System.Net.IPAddress.TryParse(host, out var ip) && System.Net.IPAddress.IsLoopback(ip));
    }

    /// <summary>Hook for feature modules (the service desk) to register services. Implemented in the module's folder.</summary>
    static partial void AddFeatureServices(IServiceCollection services, IConfiguration configuration);

    /// <summary>Hook for feature modules to map endpoints; <paramref name="adminApi"/> is the admin-authenticated <c>/api/v1</c> group.</summary>
    static partial void MapFeatureEndpoints(WebApplication app, RouteGroupBuilder adminApi);
}
