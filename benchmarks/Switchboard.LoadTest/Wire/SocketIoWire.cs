namespace Switchboard.LoadTest.Wire;

/// <summary>
/// The socket.io v4 client side over a raw WebSocket (no socket.io client library): engine.io v4 framing —
/// <c>0{...}</c> open (server), <c>40</c> connect to the default namespace (client) answered by <c>40{"sid":...}</c>,
/// <c>2</c> ping (server) answered by <c>3</c> pong, events <c>42["name",...]</c>, acks <c>42&lt;id&gt;[...]</c> / <c>43&lt;id&gt;[...]</c>.
/// </summary>
internal sealed class SocketIoWire : IWire
{
    private static readonly byte[] Connect = "40"u8.ToArray();
    private static readonly byte[] Pong = "3"u8.ToArray();

    /// <inheritdoc />
    public string Name => "socketio";

    /// <inheritdoc />
    public IReadOnlyList<string> SubProtocols { get; } = [];

    /// <inheritdoc />
    public byte[]? OpeningFrame => null;

    /// <inheritdoc />
    public Uri BuildUri(Uri baseUri, string user) =>
        Wires.With(baseUri, "/socket.io/", "EIO=4&transport=websocket&user=" + Uri.EscapeDataString(user));

    /// <inheritdoc />
    public FrameKind Classify(ReadOnlySpan<byte> frame, out byte[]? reply)
    {
        reply = null;
        if (frame.Length == 1 && frame[0] == (byte)'2')
        {
            reply = Pong;
            return FrameKind.Ping;
        }

        if (frame.Length > 0 && frame[0] == (byte)'0')
        {
            // engine.io OPEN: now connect to the default socket.io namespace.
            reply = Connect;
            return FrameKind.Other;
        }

        if (frame.StartsWith("40"u8))
        {
            return FrameKind.Ready;
        }

        if (frame.StartsWith("431["u8))
        {
            return FrameKind.Joined;
        }

        if (frame.StartsWith("44"u8) || frame.StartsWith("41"u8) || frame.StartsWith("42[\"error_msg\""u8) || (frame.Length > 0 && frame[0] == (byte)'1'))
        {
            return FrameKind.Error;
        }

        return FrameKind.Other;
    }

    /// <inheritdoc />
    public byte[] Echo(string payload) => Payload.Utf8($$"""422["echo","{{payload}}"]""");

    /// <inheritdoc />
    public byte[] Join(string room) => Payload.Utf8($$"""421["join","{{room}}"]""");

    /// <inheritdoc />
    public byte[] Publish(string room, string payload) => Payload.Utf8($$"""42["pub","{{room}}","{{payload}}"]""");

    /// <inheritdoc />
    public byte[] Private(string to, string payload) => Payload.Utf8($$"""42["pm","{{to}}","{{payload}}"]""");
}
