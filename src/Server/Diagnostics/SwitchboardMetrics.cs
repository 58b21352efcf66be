using System.Diagnostics.Metrics;

namespace Switchboard.Server.Diagnostics;

/// <summary>
/// The server's instruments on meter <c>Switchboard.ReferenceServer</c> (name kept from before the library split; System.Diagnostics.Metrics; collect with
/// <c>dotnet-counters monitor -n Switchboard.ReferenceServer --counters Switchboard.ReferenceServer</c> or OpenTelemetry).
/// </summary>
public sealed class SwitchboardMetrics
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "Switchboard.ReferenceServer";

    private readonly Counter<long> _connectionsOpened;
    private readonly Counter<long> _connectionsClosed;
    private readonly UpDownCounter<long> _connectionsActive;
    private readonly Counter<long> _messagesIn;
    private readonly Counter<long> _messagesOut;
    private readonly Counter<long> _bytesIn;
    private readonly Counter<long> _bytesOut;
    private readonly Counter<long> _errors;
    private long _queueDepth;

    /// <summary>Creates the instruments from the DI meter factory.</summary>
    public SwitchboardMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _connectionsOpened = meter.CreateCounter<long>("switchboard.connections.opened", "{connection}", "WebSocket connections accepted and authenticated.");
        _connectionsClosed = meter.CreateCounter<long>("switchboard.connections.closed", "{connection}", "Connections closed, tagged with the close code.");
        _connectionsActive = meter.CreateUpDownCounter<long>("switchboard.connections.active", "{connection}", "Open connections.");
        _messagesIn = meter.CreateCounter<long>("switchboard.messages.received", "{message}", "Client messages received.");
        _messagesOut = meter.CreateCounter<long>("switchboard.messages.sent", "{message}", "Server messages written to sockets.");
        _bytesIn = meter.CreateCounter<long>("switchboard.bytes.received", "By", "Bytes of client messages.");
        _bytesOut = meter.CreateCounter<long>("switchboard.bytes.sent", "By", "Bytes of server messages.");
        _errors = meter.CreateCounter<long>("switchboard.errors", "{error}", "ERROR replies and server-initiated closes, tagged with the code.");
        meter.CreateObservableGauge("switchboard.send_queue.depth", () => Interlocked.Read(ref _queueDepth), "{message}", "Frames queued for sending, all connections.");
    }

    /// <summary>Frames currently queued on all connections.</summary>
    public long QueueDepth => Interlocked.Read(ref _queueDepth);

    internal void ConnectionOpened(string ns)
    {
        _connectionsOpened.Add(1, new KeyValuePair<string, object?>("namespace", ns));
        _connectionsActive.Add(1, new KeyValuePair<string, object?>("namespace", ns));
    }

    internal void ConnectionClosed(string ns, int closeCode)
    {
        _connectionsClosed.Add(1, new KeyValuePair<string, object?>("close_code", closeCode));
        _connectionsActive.Add(-1, new KeyValuePair<string, object?>("namespace", ns));
    }

    internal void MessageReceived(int bytes)
    {
        _messagesIn.Add(1);
        _bytesIn.Add(bytes);
    }

    internal void MessageSent(int bytes)
    {
        _messagesOut.Add(1);
        _bytesOut.Add(bytes);
    }

    internal void Error(int code) => _errors.Add(1, new KeyValuePair<string, object?>("code", code));

    internal void QueueChanged(long delta) => Interlocked.Add(ref _queueDepth, delta);
}
