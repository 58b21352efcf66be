using Microsoft.Extensions.Hosting;
using Switchboard.Server.Messaging;
using Switchboard.Server.ServiceDesk.Domain;

namespace Switchboard.Server.ServiceDesk.Protocol;

/// <summary>
/// Connection lifecycle of the desk: an agent connection gets DAY_ACCESS and then one QIANGDAN waiting per queued
/// conversation right after its CONNECT and replay (SB-CS-027, SB-CS-006); closes feed the visitor grace, the
/// transfer-target-offline rule and reminder cleanup.
/// </summary>
internal sealed class ServiceDeskLifecycle(ServiceDeskEngine engine, ProtocolDeskOutbox outbox, TimeProvider time) : IConnectionLifecycleHandler
{
    /// <inheritdoc />
    public async ValueTask OnConnectedAsync(IConnection connection, ConnectionChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        try
        {
            await engine.OnConnectedAsync(
                DeskWire.Actor(connection),
                async (day, waiting) =>
                {
                    await connection.SendAsync(DeskWire.DayAccess(day.Date, day.Count, day.Total), null, cancellationToken).ConfigureAwait(false);
                    var now = time.GetUtcNow();
                    foreach (var conversation in waiting)
                    {
                        await connection.SendAsync(DeskWire.Qiangdan(conversation, QueueChange.Waiting, now), null, cancellationToken).ConfigureAwait(false);
                    }
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The connection closed while it was being greeted: nothing left to send.
        }
    }

    /// <inheritdoc />
    public async ValueTask OnDisconnectedAsync(IConnection connection, ConnectionChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        outbox.Forget(connection.ClientId);
        await engine.OnDisconnectedAsync(DeskWire.Actor(connection), cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Re-arms the desk's timers from the database when the server starts.</summary>
internal sealed class ServiceDeskInitializer(ServiceDeskEngine engine) : IHostedService
{
    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => engine.InitializeAsync(cancellationToken);

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
