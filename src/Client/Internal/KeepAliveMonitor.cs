using Switchboard.Protocol;

namespace Switchboard.Client.Internal;

/// <summary>
/// Liveness of one connection: answers the server's <c>PING</c> with <c>PONG</c> and declares the connection dead when
/// nothing arrived for the server timeout (SB-KA-005). The one place that knows the keepalive rules, so a change of the
/// liveness signal (e.g. WebSocket ping/pong frames instead of application PING) is made here.
/// </summary>
internal sealed class KeepAliveMonitor
{
    private static readonly TimeSpan s_defaultPingInterval = TimeSpan.FromSeconds(25);
    private static readonly TimeSpan s_grace = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_maxCheckPeriod = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time;
    private long _lastReceived;

    /// <param name="configuredTimeout"><see cref="SwitchboardClientOptions.ServerTimeout"/>; <see langword="null"/> = advertised ping interval + 10 s.</param>
    /// <param name="advertisedPingIntervalMs"><c>ping_interval_ms</c> from <c>CONNECT</c> (0 = not advertised: 25 s).</param>
    /// <param name="time">The client's time source.</param>
    public KeepAliveMonitor(TimeSpan? configuredTimeout, long advertisedPingIntervalMs, TimeProvider time)
    {
        _time = time;
        ServerTimeout = configuredTimeout
            ?? (advertisedPingIntervalMs > 0 ? TimeSpan.FromMilliseconds(advertisedPingIntervalMs) : s_defaultPingInterval) + s_grace;
        CheckPeriod = ServerTimeout / 4 < s_maxCheckPeriod ? ServerTimeout / 4 : s_maxCheckPeriod;
        _lastReceived = time.GetTimestamp();
    }

    /// <summary>A connection silent for longer than this is dead.</summary>
    public TimeSpan ServerTimeout { get; }

    /// <summary>How often <see cref="IsDead"/> must be checked to notice a dead connection within a quarter of the timeout.</summary>
    public TimeSpan CheckPeriod { get; }

    /// <summary>The command that answers <paramref name="serverEvent"/> (<c>PONG</c> for <c>PING</c>); <see langword="null"/> for any other event.</summary>
    public static IClientCommand? AnswerTo(IServerEvent serverEvent) => serverEvent is PingEvent ? new PongCommand() : null;

    /// <summary>Any frame arrived: the connection is alive.</summary>
    public void FrameReceived() => Volatile.Write(ref _lastReceived, _time.GetTimestamp());

    /// <summary>Whether nothing arrived for longer than <see cref="ServerTimeout"/>; <paramref name="silent"/> is how long nothing arrived.</summary>
    public bool IsDead(out TimeSpan silent)
    {
        silent = _time.GetElapsedTime(Volatile.Read(ref _lastReceived));
        return silent > ServerTimeout;
    }
}
