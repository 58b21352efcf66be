using Switchboard.LoadTest.Wire;

namespace Switchboard.LoadTest.Scenarios;

/// <summary>
/// Shared run loop of <see cref="FanoutScenario"/> and <see cref="PrivateScenario"/>: connect, fill every slot,
/// warm up, measure deliveries counted at the receivers, stop refilling, drain (bounded), close.
/// </summary>
internal abstract class DeliveryScenario(LoadOptions options, IWire wire) : Scenario(options, wire)
{
    private SlotTable? slots;

    /// <summary>Gets the name of the per-second delivery figure.</summary>
    protected abstract string RateMetric { get; }

    /// <inheritdoc />
    public override void OnFrame(BenchConnection connection, ReadOnlySpan<byte> frame)
    {
        if (slots is { } table)
        {
            Payload.Scan(frame, table, static (t, slot, gen, timestamp) => t.Deliver(slot, gen, timestamp));
        }
    }

    /// <summary>Runs the measurement over connected clients.</summary>
    /// <param name="result">The result.</param>
    /// <param name="table">The slots (sending is wired by the caller).</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>A task.</returns>
    protected async Task MeasureAsync(RunResult result, SlotTable table, CancellationToken cancellationToken)
    {
        slots = table;
        var stallTimeout = Options.Smoke ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(5);
        table.MaxMessages = Options.MaxOperations;
        table.Running = true;
        for (var s = 0; s < table.Count; s++)
        {
            table.Fire(s);
        }

        using var watchdogStop = new CancellationTokenSource();
        var watchdog = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500), Clock.Time);
            try
            {
                while (await timer.WaitForNextTickAsync(watchdogStop.Token).ConfigureAwait(false))
                {
                    table.Watchdog(stallTimeout);
                }
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }, CancellationToken.None);

        await WaitAsync(Warmup, () => false, cancellationToken).ConfigureAwait(false);
        table.Histogram.Reset();
        var startDeliveries = table.Deliveries;
        var startCompleted = table.Completed;
        var startStalls = table.Stalls;
        var redisBefore = Options.Redis is { } redis ? await RedisStats.ReadAsync(redis, cancellationToken).ConfigureAwait(false) : null;
        var start = Clock.Now;
        await using (new Progress(!Options.Quiet, $"{Name}/{Wire.Name}", () =>
            $"deliveries={table.Deliveries - startDeliveries:N0} messages={table.Completed - startCompleted:N0} p99={table.Histogram.PercentileMs(99):0.00}ms stalls={table.Stalls - startStalls} errors={Errors}"))
        {
            await WaitAsync(Duration, () => table.Published >= Options.MaxOperations, cancellationToken).ConfigureAwait(false);
        }

        var elapsed = Clock.Since(start).TotalSeconds;
        var deliveries = table.Deliveries - startDeliveries;
        var messages = table.Completed - startCompleted;
        if (redisBefore is not null)
        {
            RedisStats.AddMetrics(result, redisBefore, await RedisStats.ReadAsync(Options.Redis!, cancellationToken).ConfigureAwait(false), messages);
        }

        var stalls = table.Stalls - startStalls;
        table.Running = false;
        result.DurationSeconds = elapsed;
        result.Metrics["deliveries"] = deliveries;
        result.Metrics[RateMetric] = deliveries / elapsed;
        result.Metrics["messages_per_s"] = messages / elapsed;
        result.Metrics["stalled_messages"] = stalls;
        AddLatency(result, table.Histogram);
        if (stalls > 0)
        {
            result.Notes.Add($"{stalls} messages were not delivered to every receiver within {stallTimeout.TotalSeconds} s (lost or dropped connections)");
            RecordError($"{stalls} stalled messages");
        }

        if (deliveries == 0)
        {
            RecordError("no delivery was received during the measurement");
        }

        await WaitAsync(stallTimeout + TimeSpan.FromSeconds(1), () => table.Idle, CancellationToken.None).ConfigureAwait(false);
        await watchdogStop.CancelAsync().ConfigureAwait(false);
        await watchdog.ConfigureAwait(false);
    }
}

/// <summary>
/// fanout: M members (default 1000) in one room; the first P (default 4) publish ~128-byte messages, 16 messages in
/// flight in total (spec x-perf <c>publishes_in_flight: 16</c>; slot i belongs to publisher i mod P; a message is in
/// flight until every member received it). Figures: deliveries per second counted at the receivers and
/// publish-to-deliver latency from the timestamp in the payload.
/// </summary>
internal sealed class FanoutScenario(LoadOptions options, IWire wire) : DeliveryScenario(options, wire)
{
    private const string Room = "bench-fanout";

    /// <inheritdoc />
    public override string Name => "fanout";

    /// <inheritdoc />
    protected override string RateMetric => "deliveries_per_s";

    /// <inheritdoc />
    protected override async Task ExecuteAsync(RunResult result, CancellationToken cancellationToken)
    {
        var members = Options.Connections ?? (Options.Smoke ? 20 : 1000);
        var publishers = Math.Min(members, Options.Publishers ?? (Options.Smoke ? 1 : 4));
        var inflight = Options.InFlight ?? 16;
        result.Parameters["members"] = members;
        result.Parameters["publishers"] = publishers;
        result.Parameters["messages_in_flight"] = inflight;
        result.Parameters["payload_bytes"] = Size;

        var connections = await ConnectManyAsync(members, i => $"fan{i}", _ => Room, TimeSpan.FromSeconds(120), cancellationToken).ConfigureAwait(false);
        try
        {
            if (connections.Count < members)
            {
                result.Notes.Add($"only {connections.Count} of {members} members connected");
            }

            if (connections.Count < publishers)
            {
                RecordError("not enough connections to publish");
                return;
            }

            var table = new SlotTable(Math.Max(inflight, publishers), connections.Count, (slot, gen) =>
                connections[slot % publishers].Send(Wire.Publish(Room, Payload.Create(slot, gen, Clock.Now, Size))));
            await MeasureAsync(result, table, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await CloseAllAsync(connections).ConfigureAwait(false);
        }
    }
}

/// <summary>
/// private: N/2 senders each send to their own recipient (distinct users), 8 messages in flight per sender (in flight
/// until the recipient got it). Figures: delivered per second and send-to-deliver latency.
/// </summary>
internal sealed class PrivateScenario(LoadOptions options, IWire wire) : DeliveryScenario(options, wire)
{
    /// <inheritdoc />
    public override string Name => "private";

    /// <inheritdoc />
    protected override string RateMetric => "delivered_per_s";

    /// <inheritdoc />
    protected override async Task ExecuteAsync(RunResult result, CancellationToken cancellationToken)
    {
        var pairs = Math.Max(1, (Options.Connections ?? (Options.Smoke ? 10 : 200)) / 2);
        var inflight = Options.InFlight ?? 8;
        result.Parameters["senders"] = pairs;
        result.Parameters["recipients"] = pairs;
        result.Parameters["inflight_per_sender"] = inflight;
        result.Parameters["payload_bytes"] = Size;

        // Recipients first, so that every recipient is known to the server before anything is sent to it.
        var recipients = await ConnectManyAsync(pairs, i => $"rcpt{i}", null, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        // With several nodes (--url repeated) sender i sits on the node after its recipient's: every pair crosses nodes.
        var senders = await ConnectManyAsync(pairs, i => $"sndr{i}", null, TimeSpan.FromSeconds(60), cancellationToken, nodeOffset: 1).ConfigureAwait(false);
        try
        {
            if (recipients.Count < pairs || senders.Count < pairs)
            {
                RecordError($"connected {recipients.Count} recipients and {senders.Count} senders of {pairs}");
                return;
            }

            var table = new SlotTable(pairs * inflight, 1, (slot, gen) =>
            {
                var sender = slot / inflight;
                senders[sender].Send(Wire.Private($"rcpt{sender}", Payload.Create(slot, gen, Clock.Now, Size)));
            });
            await MeasureAsync(result, table, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await CloseAllAsync(senders.Concat(recipients)).ConfigureAwait(false);
        }
    }
}
