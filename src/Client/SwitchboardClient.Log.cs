using Microsoft.Extensions.Logging;
using Switchboard.Protocol;

namespace Switchboard.Client;

public sealed partial class SwitchboardClient
{
    /// <summary>Log messages of the client. Event ids are stable and never reused.</summary>
    internal static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Connection state {Previous} -> {Current}.", EventName = "StateChanged")]
        public static partial void StateChanged(ILogger logger, SwitchboardConnectionState previous, SwitchboardConnectionState current);

        [LoggerMessage(2, LogLevel.Debug, "Connecting to {Url} (resume: epoch {Epoch}, since {Since}).", EventName = "Connecting")]
        public static partial void Connecting(ILogger logger, string url, string? epoch, long since);

        [LoggerMessage(3, LogLevel.Information, "Connected as {UserId} to '{Namespace}' (client {ClientId}, epoch {Epoch}, seq {Seq}, recovered {Recovered}, missed {Missed}).", EventName = "Connected")]
        public static partial void Connected(ILogger logger, string userId, string @namespace, string clientId, string epoch, long seq, bool recovered, long missed);

        [LoggerMessage(4, LogLevel.Warning, "Connection attempt {Attempt} failed; retry: {WillRetry}.", EventName = "ConnectFailed")]
        public static partial void ConnectFailed(ILogger logger, int attempt, bool willRetry, Exception exception);

        [LoggerMessage(5, LogLevel.Warning, "Connection lost: {Code} '{Reason}' (retryable: {Retryable}).", EventName = "ConnectionLost")]
        public static partial void ConnectionLost(ILogger logger, CloseCode code, string? reason, bool retryable);

        [LoggerMessage(6, LogLevel.Information, "Reconnect attempt {Attempt} in {Delay}.", EventName = "ReconnectScheduled")]
        public static partial void ReconnectScheduled(ILogger logger, int attempt, TimeSpan delay);

        [LoggerMessage(7, LogLevel.Error, "Giving up reconnecting: {Code} '{Reason}'.", EventName = "ReconnectGaveUp")]
        public static partial void ReconnectGaveUp(ILogger logger, CloseCode code, string? reason);

        [LoggerMessage(8, LogLevel.Warning, "The server could not resume the stream (epoch {PreviousEpoch} -> {Epoch}, last seq {PreviousSeq}); the application should reload its state.", EventName = "StreamReset")]
        public static partial void StreamReset(ILogger logger, string? previousEpoch, string epoch, long previousSeq);

        [LoggerMessage(9, LogLevel.Debug, "Dropped duplicate durable event {EventName} seq {Seq} (last seq {LastSeq}).", EventName = "DuplicateDropped")]
        public static partial void DuplicateDropped(ILogger logger, string eventName, long seq, long lastSeq);

        [LoggerMessage(10, LogLevel.Information, "The server is closing the connection: {Code} '{Reason}' (retryable: {Retryable}).", EventName = "ServerClose")]
        public static partial void ServerClose(ILogger logger, CloseCode code, string? reason, bool retryable);

        [LoggerMessage(11, LogLevel.Warning, "Server error without a pending command: {ErrorName} ({Code}) {Message}.", EventName = "UnsolicitedError")]
        public static partial void UnsolicitedError(ILogger logger, string errorName, int code, string message);

        [LoggerMessage(12, LogLevel.Warning, "Ignored a server frame ({EventName}) that could not be read: {Code} {Message} at {Path}.", EventName = "BadFrame")]
        public static partial void BadFrame(ILogger logger, string? eventName, ErrorCode code, string message, string? path);

        [LoggerMessage(13, LogLevel.Debug, "Reply {EventName} for cid {Cid} arrived after its command completed.", EventName = "LateReply")]
        public static partial void LateReply(ILogger logger, string eventName, string cid);

        [LoggerMessage(14, LogLevel.Warning, "Nothing received from the server for {Elapsed} (timeout {Timeout}); treating the connection as dead.", EventName = "DeadConnection")]
        public static partial void DeadConnection(ILogger logger, TimeSpan elapsed, TimeSpan timeout);

        [LoggerMessage(15, LogLevel.Debug, "Access token refreshed in-band; next refresh at {RefreshAt}.", EventName = "TokenRefreshed")]
        public static partial void TokenRefreshed(ILogger logger, DateTimeOffset? refreshAt);

        [LoggerMessage(16, LogLevel.Warning, "In-band token refresh failed.", EventName = "TokenRefreshFailed")]
        public static partial void TokenRefreshFailed(ILogger logger, Exception exception);

        [LoggerMessage(17, LogLevel.Warning, "A subscriber's buffer is full; dropped {EventName}.", EventName = "EventDropped")]
        public static partial void EventDropped(ILogger logger, string eventName);

        [LoggerMessage(18, LogLevel.Error, "An application handler for {EventName} threw.", EventName = "HandlerFailed")]
        public static partial void HandlerFailed(ILogger logger, string eventName, Exception exception);

        [LoggerMessage(19, LogLevel.Debug, "Could not send {Command}.", EventName = "SendFailed")]
        public static partial void SendFailed(ILogger logger, string command, Exception exception);

        [LoggerMessage(20, LogLevel.Warning, "Re-joining room {Room} after reconnect failed.", EventName = "RoomRejoinFailed")]
        public static partial void RoomRejoinFailed(ILogger logger, string room, Exception exception);

        [LoggerMessage(21, LogLevel.Debug, "Dropped duplicate room message {Room} room_seq {RoomSeq}.", EventName = "DuplicateRoomMessageDropped")]
        public static partial void DuplicateRoomMessageDropped(ILogger logger, string room, long roomSeq);

        [LoggerMessage(22, LogLevel.Information, "Disconnected: {Code} '{Reason}'.", EventName = "Disconnected")]
        public static partial void Disconnected(ILogger logger, CloseCode code, string? reason);
    }
}
