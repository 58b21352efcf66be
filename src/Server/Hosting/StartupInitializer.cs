using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Switchboard.Server.Auth;
using Switchboard.Server.Features;
using Switchboard.Server.Messaging;
using Switchboard.Server.Storage;

namespace Switchboard.Server.Hosting;

/// <summary>
/// Creates the data directory, the signing key and the database (migrations) before the server starts listening,
/// and wires the presence service to the registry, so configuration or storage problems fail the start.
/// </summary>
internal sealed class StartupInitializer(IServiceProvider services) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        services.GetRequiredService<DataDirectory>();
        services.GetRequiredService<SigningKeyProvider>();
        services.GetRequiredService<SqliteDatabase>();
        services.GetRequiredService<CommandDispatcher>();
        services.GetRequiredService<IPresenceService>().Attach();
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Health check: the SQLite database answers.</summary>
internal sealed class SqliteHealthCheck(SqliteDatabase database) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            return Task.FromResult(database.Ping() ? HealthCheckResult.Healthy("SQLite OK") : HealthCheckResult.Unhealthy("SQLite did not answer"));
        }
        catch (Exception ex)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("SQLite failed", ex));
        }
    }
}
