using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using SwitchboardJsonContext = Switchboard.Protocol.SwitchboardJsonContext;
using WireHealthStatus = Switchboard.Protocol.HealthStatus;

namespace Switchboard.Server.Hosting;

/// <summary>
/// <c>GET /health</c> (SB-API-016): ASP.NET Core health checks (SQLite + shutdown state) rendered as
/// the generated <see cref="WireHealthStatus"/>: <c>{"status":"ok"}</c> (200), <c>{"status":"shutting_down"}</c> (503) or <c>{"status":"unhealthy"}</c> (503).
/// </summary>
internal static class HealthEndpoint
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions
        {
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
            ResponseWriter = static (http, report) =>
            {
                var status = report.Entries.TryGetValue(ShutdownHealthCheck.Name, out var shutdown) && shutdown.Status == HealthStatus.Unhealthy
                    ? "shutting_down"
                    : report.Status == HealthStatus.Unhealthy ? "unhealthy" : "ok";
                return http.Response.WriteAsJsonAsync(new WireHealthStatus { Status = status }, SwitchboardJsonContext.Default.HealthStatus, cancellationToken: http.RequestAborted);
            },
        });
    }
}

/// <summary>Unhealthy while the server shuts down.</summary>
internal sealed class ShutdownHealthCheck(ShutdownState state) : IHealthCheck
{
    public const string Name = "shutdown";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        => Task.FromResult(state.IsShuttingDown ? HealthCheckResult.Unhealthy("shutting down") : HealthCheckResult.Healthy());
}
