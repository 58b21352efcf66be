using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Switchboard.Samples.HostedInMinimalApi;

/// <summary>The sample app (a class so that a test can boot exactly what <c>Program.cs</c> runs).</summary>
public static class HostedApp
{
    /// <summary>The app's own endpoint.</summary>
    public const string HelloPath = "/hello";

    /// <summary>Builds the app: its own endpoint, and Switchboard on the same port.</summary>
    public static WebApplication Build(string[] args)
    {
        #region HostSwitchboard
        var builder = WebApplication.CreateBuilder(args);

        // Switchboard's services: options from the "Switchboard" configuration section, then this callback.
        builder.Services.AddSwitchboard(options => options.ServerName = "my-app/1.0")
            .AddServiceDesk(); // optional module: visitor queue, agents, work orders

        var app = builder.Build();
        app.MapGet("/hello", () => Results.Text("hello from my app")); // the app's own endpoints stay as they are
        app.MapSwitchboard(); // WebSockets /web and /app, the /api/v1 HTTP API, /health
        #endregion
        return app;
    }
}
