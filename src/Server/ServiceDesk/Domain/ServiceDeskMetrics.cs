using System.Diagnostics.Metrics;
using Switchboard.Server.Diagnostics;

namespace Switchboard.Server.ServiceDesk.Domain;

/// <summary>Service-desk instruments (<c>switchboard.desk.*</c>) on the core's meter
/// <see cref="SwitchboardMetrics.MeterName"/> (the meter factory hands back the same meter).</summary>
internal sealed class ServiceDeskMetrics
{

    private readonly Counter<long> _queued;
    private readonly Counter<long> _grabs;
    private readonly Histogram<double> _waitSeconds;
    private readonly Counter<long> _closed;
    private readonly Counter<long> _transfers;
    private readonly Counter<long> _messages;

    /// <summary>Creates the instruments through <paramref name="meterFactory"/>.</summary>
    public ServiceDeskMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(SwitchboardMetrics.MeterName);
        _queued = meter.CreateCounter<long>("switchboard.desk.conversations.queued", description: "Conversations that entered the queue.");
        _grabs = meter.CreateCounter<long>("switchboard.desk.grabs", description: "GRAB attempts by outcome (won/lost).");
        _waitSeconds = meter.CreateHistogram<double>("switchboard.desk.queue.wait", unit: "s", description: "Time from REQUEST_SERVICE to the winning GRAB.");
        _closed = meter.CreateCounter<long>("switchboard.desk.conversations.closed", description: "Closed conversations by reason.");
        _transfers = meter.CreateCounter<long>("switchboard.desk.transfers", description: "Resolved transfers by outcome.");
        _messages = meter.CreateCounter<long>("switchboard.desk.messages", description: "Conversation messages stored.");
    }

    /// <summary>A conversation entered the queue.</summary>
    public void Queued() => _queued.Add(1);

    /// <summary>A GRAB won after the conversation waited <paramref name="waited"/>.</summary>
    public void GrabWon(TimeSpan waited)
    {
        _grabs.Add(1, new KeyValuePair<string, object?>("outcome", "won"));
        _waitSeconds.Record(Math.Max(0, waited.TotalSeconds));
    }

    /// <summary>A GRAB lost.</summary>
    public void GrabLost() => _grabs.Add(1, new KeyValuePair<string, object?>("outcome", "lost"));

    /// <summary>A conversation closed.</summary>
    public void Closed(string reason) => _closed.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>A transfer was resolved.</summary>
    public void Transfer(string outcome) => _transfers.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>A message was stored.</summary>
    public void Message() => _messages.Add(1);
}
