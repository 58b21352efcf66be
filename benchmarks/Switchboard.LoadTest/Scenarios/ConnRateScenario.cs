using Switchboard.LoadTest.Wire;

namespace Switchboard.LoadTest.Scenarios;

/// <summary>
/// connrate: C (default 5,000) connection cycles with 64 concurrent: WebSocket handshake, wait for the server's
/// ready signal (Switchboard CONNECT), close handshake. Figures: cycles (handshakes) per second and
/// handshake-to-ready latency. 64 users are reused (one per worker), so per-user state is created once.
/// </summary>
internal sealed class ConnRateScenario(LoadOptions options, IWire wire) : Scenario(options, wire)
{
    private readonly LatencyHistogram histogram = new();

    /// <inheritdoc />
    public override string Name => "connrate";

    /// <inheritdoc />
    public override void OnFrame(BenchConnection connection, ReadOnlySpan<byte> frame)
    {
        // Greeting side effects (presence, DAY_ACCESS, ...) are ignored.
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(RunResult result, CancellationToken cancellationToken)
    {
        var total = Options.Count ?? Options.Connections ?? (Options.Smoke ? 50 : 5_000);
        var workers = Math.Min(total, Options.Concurrency);
        var budget = Options.Duration ?? (Options.Smoke ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(60));
        result.Parameters["handshakes"] = total;
        result.Parameters["concurrency"] = workers;
        var next = -1;
        var completed = 0;

        // Warm the path (JIT, token cache) with one cycle per worker, not measured.
        await Parallel.ForEachAsync(Enumerable.Range(0, workers), cancellationToken, async (w, ct) => await CycleAsync(w, w, record: false, ct).ConfigureAwait(false)).ConfigureAwait(false);

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(budget);
        var start = Clock.Now;
        await using (new Progress(!Options.Quiet, $"connrate/{Wire.Name}", () => $"{Volatile.Read(ref completed)}/{total} p99={histogram.PercentileMs(99):0.00}ms errors={Errors}"))
        {
            var tasks = Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < total && !cts.IsCancellationRequested)
                {
                    if (await CycleAsync(i, w, record: true, cts.Token).ConfigureAwait(false))
                    {
                        Interlocked.Increment(ref completed);
                    }
                }
            }, CancellationToken.None));
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }

        var elapsed = Clock.Since(start).TotalSeconds;
        result.DurationSeconds = elapsed;
        result.Metrics["completed"] = completed;
        result.Metrics["handshakes_per_s"] = completed / elapsed;
        AddLatency(result, histogram);
        if (completed < total)
        {
            result.Notes.Add($"{completed} of {total} cycles completed within {budget.TotalSeconds} s");
        }

        if (completed == 0)
        {
            RecordError("no handshake completed");
        }
    }

    private async Task<bool> CycleAsync(int index, int worker, bool record, CancellationToken cancellationToken)
    {
        var started = Clock.Now;
        try
        {
            var connection = await BenchConnection.OpenAsync(Options.UrlFor(index), index, $"conn{worker}", Wire, this, TimeSpan.FromSeconds(15), cancellationToken).ConfigureAwait(false);
            if (record)
            {
                histogram.RecordSince(started);
            }

            await connection.CloseAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            RecordError($"cycle {index}: {ex.GetType().Name}: {ex.Message}");
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
