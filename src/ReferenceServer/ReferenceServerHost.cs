using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Switchboard.ReferenceServer;

/// <summary>
/// The executable's host: Switchboard (<c>AddSwitchboard().AddServiceDesk()</c>, <c>MapSwitchboard()</c>) on embedded
/// defaults. <c>Program.cs</c> and the <c>token</c> verb go through here.
/// </summary>
public static class ReferenceServerHost
{
    /// <summary>The default listen URL when none is configured (<c>urls</c>, <c>ASPNETCORE_URLS</c>, Kestrel endpoints).</summary>
    public const string DefaultUrl = "http://127.0.0.1:8080";

    /// <summary>The configuration key whose presence turns the node into a cluster member on Redis.</summary>
    public const string ClusterRedisKey = "Switchboard:Cluster:Redis";

    /// <summary>Command-line switches mapped to configuration keys.</summary>
    public static IReadOnlyDictionary<string, string> SwitchMappings { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--data-dir"] = "Switchboard:DataDirectory",
        ["--signing-key"] = "Switchboard:Auth:SigningKey",
        ["--server-name"] = "Switchboard:ServerName",
    };

    /// <summary>
    /// Creates the builder: standard configuration (appsettings.json next to the dll, <c>Switchboard__*</c> environment
    /// variables, command line incl. <c>--data-dir</c>), default URL <see cref="DefaultUrl"/>, Switchboard with the
    /// service desk; cluster mode on Redis when <see cref="ClusterRedisKey"/> is set.
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

        var switchboard = builder.Services.AddSwitchboard().AddServiceDesk();
        if (!string.IsNullOrEmpty(builder.Configuration[ClusterRedisKey]))
        {
            switchboard.AddRedis(); // cluster mode (src/Server.Redis/README.md); without it the SQLite single node
        }

        Telemetry.AddIfEnabled(builder); // OTLP export only when configured (OTEL_EXPORTER_OTLP_ENDPOINT)

        return builder;
    }

    /// <summary>Builds the application and maps every endpoint.</summary>
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var app = builder.Build();
        app.MapSwitchboard();
        return app;
    }
}
