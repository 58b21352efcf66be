using System.Collections.Concurrent;
using System.Globalization;
using Switchboard.LoadTest.Wire;

namespace Switchboard.LoadTest.Scenarios;

/// <summary>Shared plumbing of every scenario: error accounting, bounded bulk connect, bounded close.</summary>
internal abstract class Scenario : IFrameSink
{
    private long errors;
    private string? firstError;

    /// <summary>Initializes a new instance of the <see cref="Scenario"/> class.</summary>
    /// <param name="options">Options.</param>
    /// <param name="wire">The target's wire.</param>
    protected Scenario(LoadOptions options, IWire wire)
    {
        Options = options;
        Wire = wire;
    }

    /// <summary>Gets the scenario name.</summary>
    public abstract string Name { get; }

    /// <summary>Gets the options.</summary>
    protected LoadOptions Options { get; }

    /// <summary>Gets the wire.</summary>
    protected IWire Wire { get; }

    /// <summary>Gets the number of errors so far.</summary>
    protected long Errors => Interlocked.Read(ref errors);

    /// <summary>Gets the measured duration (1 s in smoke mode unless given).</summary>
    protected TimeSpan Duration => Options.Duration ?? (Options.Smoke ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(10));

    /// <summary>Gets the warm-up (excluded from the figures).</summary>
    protected TimeSpan Warmup => Options.Warmup ?? (Options.Smoke ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromSeconds(2));

    /// <summary>Gets the payload size.</summary>
    protected int Size => Options.Size ?? 128;

    /// <summary>Runs the scenario.</summary>
    /// <param name="cancellationToken">Stops the run early.</param>
    /// <returns>The result.</returns>
    public async Task<RunResult> RunAsync(CancellationToken cancellationToken)
    {
        var result = new RunResult
        {
            Scenario = Name,
            Target = Wire.Name,
            Url = string.Join(' ', Options.Urls),
            Label = Options.Label,
            StartedAt = Clock.Time.GetUtcNow(),
            Smoke = Options.Smoke,
        };
        await ExecuteAsync(result, cancellationToken).ConfigureAwait(false);
        result.Errors = Errors;
        result.FirstError = firstError;
        return result;
    }

    /// <inheritdoc />
    public abstract void OnFrame(BenchConnection connection, ReadOnlySpan<byte> frame);

    /// <inheritdoc />
    public void OnError(BenchConnection connection, string detail) => RecordError($"connection {connection.Index} ({connection.User}): {detail}");

    /// <summary>Runs the scenario body.</summary>
    /// <param name="result">Fill in parameters, metrics and notes.</param>
    /// <param name="cancellationToken">Stops the run early.</param>
    /// <returns>A task.</returns>
    protected abstract Task ExecuteAsync(RunResult result, CancellationToken cancellationToken);

    /// <summary>Counts an error and keeps the first one.</summary>
    /// <param name="detail">What happened.</param>
    protected void RecordError(string detail)
    {
        if (Interlocked.Increment(ref errors) == 1)
        {
            firstError = detail;
        }
    }

    /// <summary>Opens <paramref name="count"/> connections (and joins rooms) with bounded concurrency and time.</summary>
    /// <param name="count">How many.</param>
    /// <param name="userOf">User id of connection i.</param>
    /// <param name="roomOf">Room of connection i, or null for none.</param>
    /// <param name="budget">Upper bound for the whole batch.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <param name="nodeOffset">With several <c>--url</c>: connection i goes to node (i + offset) mod N.</param>
    /// <returns>The open connections (index order; failed ones are missing and counted as errors).</returns>
    protected async Task<List<BenchConnection>> ConnectManyAsync(int count, Func<int, string> userOf, Func<int, string?>? roomOf, TimeSpan budget, CancellationToken cancellationToken, int nodeOffset = 0)
    {
        var opened = new ConcurrentBag<BenchConnection>();
        var done = 0;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(budget);
        await using (new Progress(!Options.Quiet, $"{Name}/{Wire.Name} connect", () => $"{Volatile.Read(ref done)}/{count} connected, errors={Errors}"))
        {
            try
            {
                await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = Options.Concurrency, CancellationToken = cts.Token }, async (i, ct) =>
                {
                    try
                    {
                        var connection = await BenchConnection.OpenAsync(Options.UrlFor(i + nodeOffset), i, userOf(i), Wire, this, TimeSpan.FromSeconds(15), ct).ConfigureAwait(false);
                        opened.Add(connection);
                        if (roomOf?.Invoke(i) is { } room)
                        {
                            await connection.JoinAsync(room, TimeSpan.FromSeconds(15), ct).ConfigureAwait(false);
                        }

                        Interlocked.Increment(ref done);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                    {
                        RecordError($"connect {i}: {ex.GetType().Name}: {ex.Message}");
                    }
                }).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                RecordError($"connect budget of {budget.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s exceeded after {Volatile.Read(ref done)} connections");
            }
        }

        return [.. opened.OrderBy(c => c.Index)];
    }

    /// <summary>Closes every connection with bounded concurrency and time.</summary>
    /// <param name="connections">The connections.</param>
    /// <returns>A task.</returns>
    protected static Task CloseAllAsync(IEnumerable<BenchConnection> connections) =>
        Parallel.ForEachAsync(connections, new ParallelOptions { MaxDegreeOfParallelism = 256 }, async (c, _) => await c.CloseAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false));

    /// <summary>Waits for <paramref name="duration"/> or until <paramref name="until"/> is true (polled every 50 ms).</summary>
    /// <param name="duration">Upper bound.</param>
    /// <param name="until">Early exit condition.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>A task.</returns>
    protected static async Task WaitAsync(TimeSpan duration, Func<bool> until, CancellationToken cancellationToken)
    {
        var start = Clock.Now;
        while (Clock.Since(start) < duration && !until() && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), Clock.Time, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Fills the usual latency figures.</summary>
    /// <param name="result">The result.</param>
    /// <param name="histogram">Latencies.</param>
    protected static void AddLatency(RunResult result, LatencyHistogram histogram)
    {
        result.Metrics["p50_ms"] = histogram.PercentileMs(50);
        result.Metrics["p99_ms"] = histogram.PercentileMs(99);
        result.Metrics["p999_ms"] = histogram.PercentileMs(99.9);
        result.Metrics["max_ms"] = histogram.PercentileMs(100);
        result.Metrics["samples"] = histogram.Count;
    }
}
