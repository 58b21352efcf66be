using System.Buffers;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Switchboard.Server.Messaging;

namespace Switchboard.Server.Testing;

/// <summary>
/// A WebSocket decorator that shows the server's frames to an <see cref="IFrameInterceptor"/>. It finds the
/// Switchboard connection a socket belongs to in the request's features (the gateway sets <see cref="IConnection"/>
/// there once it created the connection); frames before that pass through untouched.
/// </summary>
public sealed class InterceptingWebSocket(WebSocket inner, HttpContext http, IFrameInterceptor interceptor) : WebSocket
{
    private readonly ArrayBufferWriter<byte> _received = new();
    private IConnection? _connection;

    /// <inheritdoc />
    public override WebSocketCloseStatus? CloseStatus => inner.CloseStatus;

    /// <inheritdoc />
    public override string? CloseStatusDescription => inner.CloseStatusDescription;

    /// <inheritdoc />
    public override WebSocketState State => inner.State;

    /// <inheritdoc />
    public override string? SubProtocol => inner.SubProtocol;

    private IConnection? Connection => _connection ??= http.Features.Get<IConnection>();

    /// <inheritdoc />
    public override void Abort() => inner.Abort();

    /// <inheritdoc />
    public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
        => inner.CloseAsync(closeStatus, statusDescription, cancellationToken);

    /// <inheritdoc />
    public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
        => inner.CloseOutputAsync(closeStatus, statusDescription, cancellationToken);

    /// <inheritdoc />
    public override void Dispose() => inner.Dispose();

    /// <inheritdoc />
    public override async Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
    {
        var result = await ReceiveAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
        return new WebSocketReceiveResult(result.Count, result.MessageType, result.EndOfMessage, inner.CloseStatus, inner.CloseStatusDescription);
    }

    /// <inheritdoc />
    public override async ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var result = await inner.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (result.MessageType != WebSocketMessageType.Close)
        {
            _received.Write(buffer.Span[..result.Count]);
            if (result.EndOfMessage)
            {
                if (Connection is { } connection)
                {
                    await interceptor.OnReceivedAsync(connection, _received.WrittenMemory, cancellationToken).ConfigureAwait(false);
                }

                _received.ResetWrittenCount();
            }
        }

        return result;
    }

    /// <inheritdoc />
    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
        => SendAsync(buffer.AsMemory(), messageType, endOfMessage ? WebSocketMessageFlags.EndOfMessage : WebSocketMessageFlags.None, cancellationToken).AsTask();

    /// <inheritdoc />
    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
        => SendAsync(buffer, messageType, endOfMessage ? WebSocketMessageFlags.EndOfMessage : WebSocketMessageFlags.None, cancellationToken);

    /// <inheritdoc />
    public override async ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, WebSocketMessageFlags messageFlags, CancellationToken cancellationToken)
    {
        // The server writes each envelope as one whole text frame.
        if (messageType == WebSocketMessageType.Text && (messageFlags & WebSocketMessageFlags.EndOfMessage) != 0 && Connection is { } connection
            && !await interceptor.OnSendAsync(connection, buffer, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        await inner.SendAsync(buffer, messageType, messageFlags, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Installs the decorator on every WebSocket request (middleware placed after <c>UseWebSockets</c>).</summary>
    internal static RequestDelegate Middleware(RequestDelegate next, IFrameInterceptor interceptor) => http =>
    {
        if (http.Features.Get<IHttpWebSocketFeature>() is { } feature)
        {
            http.Features.Set<IHttpWebSocketFeature>(new Feature(feature, http, interceptor));
        }

        return next(http);
    };

    private sealed class Feature(IHttpWebSocketFeature inner, HttpContext http, IFrameInterceptor interceptor) : IHttpWebSocketFeature
    {
        public bool IsWebSocketRequest => inner.IsWebSocketRequest;

        public async Task<WebSocket> AcceptAsync(WebSocketAcceptContext context)
            => new InterceptingWebSocket(await inner.AcceptAsync(context).ConfigureAwait(false), http, interceptor);
    }
}
