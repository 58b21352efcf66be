using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Switchboard.Protocol;
using Switchboard.Server.Connections;
using Switchboard.Server.Diagnostics;
using Switchboard.Server.Options;

namespace Switchboard.Server.Hosting;

/// <summary>Whether the server is shutting down (new connections get CLOSE 4503).</summary>
internal sealed class ShutdownState
{
    private volatile bool _shuttingDown;

    public bool IsShuttingDown => _shuttingDown;

    public void Begin() => _shuttingDown = true;
}

/// <summary>
/// Graceful shutdown: when the host starts stopping, every connection gets CLOSE 4503 (retryable) after the frames
/// already queued, and the server waits (up to <see cref="ShutdownOptions.DrainTimeout"/>) for the queues to drain
/// and the sockets to close. Durable events are already committed, so nothing acknowledged is lost.
/// </summary>
internal sealed class ShutdownCoordinator(
    ShutdownState state,
    ConnectionRegistry registry,
    IOptions<SwitchboardOptions> options,
    TimeProvider time,
    ILogger<ShutdownCoordinator> logger) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        state.Begin();
        var connections = registry.GetAll();
        Log.ShuttingDown(logger, connections.Count);
        foreach (var connection in connections)
        {
            if (connection is SwitchboardConnection c)
            {
                c.StartClose(CloseCode.ShuttingDown, CloseReasons.ShuttingDown, discardQueued: false);
            }
        }

        var deadline = time.GetUtcNow() + options.Value.Shutdown.DrainTimeout;
        while (registry.Count > 0 && time.GetUtcNow() < deadline && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        if (registry.Count > 0)
        {
            Log.DrainTimedOut(logger, registry.Count);
            foreach (var connection in registry.GetAll())
            {
                (connection as SwitchboardConnection)?.Abort();
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
