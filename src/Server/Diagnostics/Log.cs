using Microsoft.Extensions.Logging;

namespace Switchboard.Server.Diagnostics;

/// <summary>
/// All log messages of the reference server core, source-generated. EventIds are stable and never reused:
/// 1-99 hosting, 100-199 connections, 200-299 dispatch, 300-399 storage, 400-499 HTTP API.
/// (The service desk uses 1000-1999.)
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Switchboard reference server listening on {Addresses} (WebSocket /web and /app, HTTP API /api/v1, health /health)")]
    public static partial void Listening(ILogger logger, string addresses);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Data directory: {DataDirectory} (database {DatabaseFile})")]
    public static partial void DataDirectory(ILogger logger, string dataDirectory, string databaseFile);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Signing key from {Source}")]
    public static partial void SigningKeySource(ILogger logger, string source);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Shutting down: closing {Count} connections with 4503")]
    public static partial void ShuttingDown(ILogger logger, int count);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Shutdown drain timed out with {Count} connections still open")]
    public static partial void DrainTimedOut(ILogger logger, int count);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Retention pruned {Count} stored events")]
    public static partial void Pruned(ILogger logger, int count);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "Retention pruning failed")]
    public static partial void PruneFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "Listening on {Address}, reachable from other machines, with an empty Switchboard:AllowedOrigins: WebSocket upgrades from any web origin are accepted. Set Switchboard:AllowedOrigins to your sites' origins (see README, Operating the reference server)")]
    public static partial void OriginAllowListEmpty(ILogger logger, string address);

    [LoggerMessage(EventId = 100, Level = LogLevel.Debug, Message = "Connection {ClientId} opened: user {UserId} ({Role}) in {Namespace}, replayed {Missed}")]
    public static partial void ConnectionOpened(ILogger logger, string clientId, string userId, string role, string @namespace, int missed);

    [LoggerMessage(EventId = 101, Level = LogLevel.Debug, Message = "Connection {ClientId} closed ({CloseCode})")]
    public static partial void ConnectionClosed(ILogger logger, string clientId, int closeCode);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Rejected WebSocket upgrade on {Path}: {Reason}")]
    public static partial void UpgradeRejected(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "Authentication failed on {Path}: {Code} {Message}")]
    public static partial void AuthFailed(ILogger logger, string path, int code, string message);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Closing connection {ClientId} with {CloseCode}: {Reason}")]
    public static partial void Closing(ILogger logger, string clientId, int closeCode, string reason);

    [LoggerMessage(EventId = 105, Level = LogLevel.Debug, Message = "Connection {ClientId} transport error")]
    public static partial void TransportError(ILogger logger, string clientId, Exception exception);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "Connection {ClientId} overflowed its send queue ({Frames} frames, {Bytes} bytes): closing with 4499")]
    public static partial void SlowConsumer(ILogger logger, string clientId, long frames, long bytes);

    [LoggerMessage(EventId = 107, Level = LogLevel.Error, Message = "Connection lifecycle handler {Handler} failed")]
    public static partial void LifecycleHandlerFailed(ILogger logger, string handler, Exception exception);

    [LoggerMessage(EventId = 108, Level = LogLevel.Error, Message = "Connection {ClientId} failed unexpectedly")]
    public static partial void ConnectionFailed(ILogger logger, string clientId, Exception exception);

    [LoggerMessage(EventId = 109, Level = LogLevel.Information, Message = "User {UserId} is at the cap of {Max} open connections: closing the new one with 4409")]
    public static partial void TooManyConnections(ILogger logger, string userId, int max);

    [LoggerMessage(EventId = 200, Level = LogLevel.Error, Message = "Command {Command} from {UserId} failed with an unhandled exception")]
    public static partial void HandlerFailed(ILogger logger, string command, string userId, Exception exception);

    [LoggerMessage(EventId = 201, Level = LogLevel.Debug, Message = "Bad input from {ClientId}: {Code} {Message} at {Path}")]
    public static partial void BadInput(ILogger logger, string clientId, int code, string message, string? path);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "Connection {ClientId} rate limited")]
    public static partial void RateLimited(ILogger logger, string clientId);

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "HTTP API request rejected: {Status} {Code} {Message}")]
    public static partial void ApiRejected(ILogger logger, int status, int code, string message);
}
