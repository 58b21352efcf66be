using Switchboard.Protocol;

namespace Switchboard.Client;

/// <summary>The state of a <see cref="SwitchboardClient"/>'s connection.</summary>
public enum SwitchboardConnectionState
{
    /// <summary>Not connected: never started, stopped, or gave up (see <see cref="SwitchboardClient.LastClose"/>).</summary>
    Disconnected,

    /// <summary>The first connection attempt started by <see cref="SwitchboardClient.ConnectAsync"/> is in progress.</summary>
    Connecting,

    /// <summary>Connected: the server's <c>CONNECT</c> greeting was received.</summary>
    Connected,

    /// <summary>The connection was lost and the client is reconnecting (resuming the durable stream).</summary>
    Reconnecting,
}

/// <summary>Why a connection ended.</summary>
/// <param name="Code">
/// The close code: the server's <c>CLOSE</c> event / WebSocket close status (e.g. <see cref="CloseCode.TokenExpired"/>),
/// or 1006 (abnormal closure) when the transport failed without a close handshake.
/// </param>
/// <param name="Reason">The reason text, if any.</param>
/// <param name="Retryable">Whether reconnecting may succeed (the server's <c>retryable</c> flag or <see cref="CloseCodes.IsRetryable"/>).</param>
public sealed record SwitchboardCloseInfo(CloseCode Code, string? Reason, bool Retryable)
{
    /// <summary>The WebSocket close code for an abnormal closure (no close frame).</summary>
    public const int AbnormalClosure = 1006;
}

/// <summary>Arguments of <see cref="SwitchboardClient.StateChanged"/>.</summary>
public sealed class SwitchboardConnectionStateChangedEventArgs : EventArgs
{
    internal SwitchboardConnectionStateChangedEventArgs(
        SwitchboardConnectionState previous, SwitchboardConnectionState current, SwitchboardCloseInfo? close, Exception? error)
    {
        PreviousState = previous;
        State = current;
        Close = close;
        Error = error;
    }

    /// <summary>The state before the change.</summary>
    public SwitchboardConnectionState PreviousState { get; }

    /// <summary>The new state.</summary>
    public SwitchboardConnectionState State { get; }

    /// <summary>When entering Reconnecting or Disconnected: why the connection ended; otherwise <see langword="null"/>.</summary>
    public SwitchboardCloseInfo? Close { get; }

    /// <summary>The failure that caused the change, if any.</summary>
    public Exception? Error { get; }
}

/// <summary>Arguments of <see cref="SwitchboardClient.ConnectFailed"/> (seed 001's <c>reconnect_error</c> / <c>connect_timeout</c>).</summary>
public sealed class SwitchboardConnectFailedEventArgs : EventArgs
{
    internal SwitchboardConnectFailedEventArgs(int attempt, Exception error, bool willRetry)
    {
        Attempt = attempt;
        Error = error;
        WillRetry = willRetry;
    }

    /// <summary>1-based attempt number within the current outage (0 for the initial <see cref="SwitchboardClient.ConnectAsync"/>).</summary>
    public int Attempt { get; }

    /// <summary>
    /// The failure: <see cref="TimeoutException"/> for a connect timeout, <see cref="SwitchboardConnectionException"/>
    /// when the server refused (with its close code), otherwise the transport error.
    /// </summary>
    public Exception Error { get; }

    /// <summary>Whether this was a connect timeout.</summary>
    public bool IsTimeout => Error is TimeoutException;

    /// <summary>Whether another attempt follows.</summary>
    public bool WillRetry { get; }
}

/// <summary>
/// Arguments of <see cref="SwitchboardClient.StreamReset"/>: after a reconnect the server could not resume the durable
/// stream (<c>recovered=false</c>: new epoch or events no longer retained). Reload state from the application backend.
/// </summary>
public sealed class SwitchboardStreamResetEventArgs : EventArgs
{
    internal SwitchboardStreamResetEventArgs(ConnectEvent connect, string? previousEpoch, long previousSeq)
    {
        Connect = connect;
        PreviousEpoch = previousEpoch;
        PreviousSeq = previousSeq;
    }

    /// <summary>The server's greeting on the new connection.</summary>
    public ConnectEvent Connect { get; }

    /// <summary>The epoch the client tried to resume.</summary>
    public string? PreviousEpoch { get; }

    /// <summary>The last durable seq the client had received before the reconnect.</summary>
    public long PreviousSeq { get; }
}

/// <summary>The client's position in its durable stream (per namespace and user).</summary>
/// <param name="Epoch">The stream epoch from <c>CONNECT</c>; <see langword="null"/> before the first connection.</param>
/// <param name="Seq">The last durable event seq received.</param>
public readonly record struct SwitchboardStreamPosition(string? Epoch, long Seq);
