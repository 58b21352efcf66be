using Switchboard.LoadTest.Wire;

namespace Switchboard.LoadTest.Scenarios;

/// <summary>
/// echo: N connections (default 100) each keep K echo requests in flight (default 8); every reply sends the next
/// request. Figures: round trips per second and round-trip latency.
/// </summary>
internal sealed class EchoScenario(LoadOptions options, IWire wire) : Scenario(options, wire)
{
    private readonly LatencyHistogram histogram = new();
    private volatile bool running;
    private long replies;
    private long sent;

    /// <inheritdoc />
    public override string Name => "echo";

    /// <inheritdoc />
    public override void OnFrame(BenchConnection connection, ReadOnlySpan<byte> frame) =>
        Payload.Scan(frame, (this, connection), static (s, _, _, timestamp) => s.Item1.OnReply(s.Item2, timestamp));

    /// <inheritdoc />
    protected override async Task ExecuteAsync(RunResult result, CancellationToken cancellationToken)
    {
        var count = Options.Connections ?? (Options.Smoke ? 4 : 100);
        var inflight = Options.InFlight ?? 8;
        var size = Options.Size ?? 64;
        result.Parameters["connections"] = count;
        result.Parameters["inflight_per_connection"] = inflight;
        result.Parameters["payload_bytes"] = size;

        var connections = await ConnectManyAsync(count, i => $"echo{i}", null, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        try
        {
            running = true;
            foreach (var c in connections)
            {
                for (var k = 0; k < inflight; k++)
                {
                    SendNext(c);
                }
            }

            await WaitAsync(Warmup, () => false, cancellationToken).ConfigureAwait(false);
            histogram.Reset();
            var startReplies = Interlocked.Read(ref replies);
            var start = Clock.Now;
            await using (new Progress(!Options.Quiet, $"echo/{Wire.Name}", () => $"round trips={Interlocked.Read(ref replies) - startReplies:N0} p99={histogram.PercentileMs(99):0.00}ms errors={Errors}"))
            {
                await WaitAsync(Duration, () => Interlocked.Read(ref sent) >= Options.MaxOperations, cancellationToken).ConfigureAwait(false);
            }

            var elapsed = Clock.Since(start).TotalSeconds;
            var done = Interlocked.Read(ref replies) - startReplies;
            running = false;
            result.DurationSeconds = elapsed;
            result.Metrics["round_trips"] = done;
            result.Metrics["round_trips_per_s"] = done / elapsed;
            AddLatency(result, histogram);

            // Drain what is still in flight (bounded) so the server is quiet before the next run.
            var expected = Interlocked.Read(ref sent);
            await WaitAsync(TimeSpan.FromSeconds(3), () => Interlocked.Read(ref replies) >= expected, CancellationToken.None).ConfigureAwait(false);
            if (done == 0)
            {
                RecordError("no echo reply was received during the measurement");
            }
        }
        finally
        {
            running = false;
            await CloseAllAsync(connections).ConfigureAwait(false);
        }
    }

    private void OnReply(BenchConnection connection, long timestamp)
    {
        histogram.RecordSince(timestamp);
        Interlocked.Increment(ref replies);
        if (running)
        {
            SendNext(connection);
        }
    }

    private void SendNext(BenchConnection connection)
    {
        if (Interlocked.Increment(ref sent) > Options.MaxOperations)
        {
            return;
        }

        if (!connection.Send(Wire.Echo(Payload.Create(connection.Index, 0, Clock.Now, Options.Size ?? 64))))
        {
            Interlocked.Decrement(ref sent);
        }
    }
}
