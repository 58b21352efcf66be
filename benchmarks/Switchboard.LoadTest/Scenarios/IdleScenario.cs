using Switchboard.LoadTest.Wire;

namespace Switchboard.LoadTest.Scenarios;

/// <summary>
/// idle: N (default 10,000) authenticated clients, each in one of R rooms (default 100), held open for the duration
/// while answering keepalives. Figures: server RSS before and after (from /proc/&lt;pid&gt;/status, needs
/// <c>--server-pid</c>), KiB per connection = (after - before) / N, and the managed heap when <c>--heap-url</c> is given.
/// </summary>
internal sealed class IdleScenario(LoadOptions options, IWire wire) : Scenario(options, wire)
{
    /// <inheritdoc />
    public override string Name => "idle";

    private static readonly byte[] RoomEnterMarker = "\"ROOM_ENTER\""u8.ToArray();
    private static readonly byte[] RoomStateMarker = "\"ROOM_STATE\""u8.ToArray();
    private static readonly byte[] PingMarker = "\"PING\""u8.ToArray();

    // Frames the clients received, by kind (Switchboard event names; other targets count as "other"). The connect
    // phase's counts are deterministic for a given N and R (joins to one room are serialized by the server), so they
    // show the cost of the join fan-out (ROOM_ENTER to every member, the member list in ROOM_STATE) exactly.
    private long frames;
    private long bytes;
    private long roomEnterFrames;
    private long roomEnterBytes;
    private long roomStateFrames;
    private long roomStateBytes;
    private long pingFrames;
    private long pingBytes;

    /// <inheritdoc />
    public override void OnFrame(BenchConnection connection, ReadOnlySpan<byte> frame)
    {
        Interlocked.Increment(ref frames);
        Interlocked.Add(ref bytes, frame.Length);
        if (frame.IndexOf(RoomEnterMarker) >= 0)
        {
            Interlocked.Increment(ref roomEnterFrames);
            Interlocked.Add(ref roomEnterBytes, frame.Length);
        }
        else if (frame.IndexOf(RoomStateMarker) >= 0)
        {
            Interlocked.Increment(ref roomStateFrames);
            Interlocked.Add(ref roomStateBytes, frame.Length);
        }
        else if (frame.IndexOf(PingMarker) >= 0)
        {
            Interlocked.Increment(ref pingFrames);
            Interlocked.Add(ref pingBytes, frame.Length);
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(RunResult result, CancellationToken cancellationToken)
    {
        var count = Options.Connections ?? (Options.Smoke ? 50 : 10_000);
        var rooms = Options.Rooms ?? (Options.Smoke ? 5 : 100);
        result.Parameters["connections"] = count;
        result.Parameters["rooms"] = rooms;
        if (Options.ServerPid is null)
        {
            result.Notes.Add("no --server-pid: server memory not measured");
        }

        var rssBefore = Options.ServerPid is { } pid0 ? ServerProbe.ReadRssKiB(pid0) : null;
        var heapBefore = Options.HeapUrl is { } url0 ? await ServerProbe.ReadHeapBytesAsync(url0, Options.HeapField, cancellationToken).ConfigureAwait(false) : null;
        var start = Clock.Now;
        var connections = await ConnectManyAsync(count, i => $"idle{i}", i => $"idle-{i % rooms}", TimeSpan.FromSeconds(Options.Smoke ? 30 : 300), cancellationToken).ConfigureAwait(false);
        try
        {
            var connectSeconds = Clock.Since(start).TotalSeconds;
            result.Metrics["connected"] = connections.Count;
            result.Metrics["connect_seconds"] = connectSeconds;
            result.Metrics["connects_per_s"] = connections.Count / connectSeconds;

            var holdStart = Clock.Now;
            await using (new Progress(!Options.Quiet, $"idle/{Wire.Name} hold", () => $"open={connections.Count(c => c.IsOpen)} rss={(Options.ServerPid is { } p ? ServerProbe.ReadRssKiB(p) / 1024 : null)}MiB errors={Errors}"))
            {
                await WaitAsync(Duration, () => false, cancellationToken).ConfigureAwait(false);
            }

            result.DurationSeconds = Clock.Since(holdStart).TotalSeconds;

            // Received while connecting and holding (nothing else is sent then), PING events left out: their number depends
            // on how long it took. Read after the hold, so the last joins' ROOM_ENTERs have arrived.
            result.Metrics["connect_frames"] = Interlocked.Read(ref frames) - Interlocked.Read(ref pingFrames);
            result.Metrics["connect_bytes"] = Interlocked.Read(ref bytes) - Interlocked.Read(ref pingBytes);
            result.Metrics["room_enter_frames"] = Interlocked.Read(ref roomEnterFrames);
            result.Metrics["room_enter_bytes"] = Interlocked.Read(ref roomEnterBytes);
            result.Metrics["room_state_frames"] = Interlocked.Read(ref roomStateFrames);
            result.Metrics["room_state_bytes"] = Interlocked.Read(ref roomStateBytes);
            var open = connections.Count(c => c.IsOpen);
            result.Metrics["open_at_end"] = open;
            if (open < count)
            {
                RecordError($"{count - open} of {count} connections were not open at the end of the hold");
            }

            if (Options.ServerPid is { } pid && rssBefore is { } before && ServerProbe.ReadRssKiB(pid) is { } after)
            {
                result.Metrics["rss_before_mib"] = before / 1024.0;
                result.Metrics["rss_after_mib"] = after / 1024.0;
                result.Metrics["kib_per_connection"] = open == 0 ? 0 : (after - before) / (double)open;
            }
            else if (Options.ServerPid is not null)
            {
                RecordError($"could not read /proc/{Options.ServerPid}/status");
            }

            if (Options.HeapUrl is { } url && heapBefore is { } hb && await ServerProbe.ReadHeapBytesAsync(url, Options.HeapField, cancellationToken).ConfigureAwait(false) is { } ha)
            {
                result.Metrics["heap_before_mib"] = hb / 1048576.0;
                result.Metrics["heap_after_mib"] = ha / 1048576.0;
                result.Metrics["heap_kib_per_connection"] = open == 0 ? 0 : (ha - hb) / 1024.0 / open;
            }
            else if (Options.HeapUrl is not null)
            {
                result.Notes.Add($"managed heap not available at {Options.HeapUrl} (field {Options.HeapField})");
            }
        }
        finally
        {
            await CloseAllAsync(connections).ConfigureAwait(false);
        }
    }
}
