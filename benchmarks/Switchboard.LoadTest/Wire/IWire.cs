namespace Switchboard.LoadTest.Wire;

/// <summary>What a received frame means to the load tool (payload markers are found separately).</summary>
internal enum FrameKind
{
    /// <summary>Anything else (data frames, presence, ...).</summary>
    Other,

    /// <summary>The connection is established at the application level (CONNECT, hello, handshake response).</summary>
    Ready,

    /// <summary>The reply to a join request.</summary>
    Joined,

    /// <summary>A keepalive that expects the returned reply frame.</summary>
    Ping,

    /// <summary>An error reply or an application-level close.</summary>
    Error,
}

/// <summary>
/// One peer kind's wire: how to address it and the frames of each scenario. Frames are built once per call
/// and contain only the benchmark payload, so every target pays the same client-side cost.
/// </summary>
internal interface IWire
{
    /// <summary>Gets the target name (<c>switchboard</c>, <c>ws</c>, ...).</summary>
    string Name { get; }

    /// <summary>Gets the WebSocket subprotocols to offer (may be empty).</summary>
    IReadOnlyList<string> SubProtocols { get; }

    /// <summary>Builds the WebSocket URI for <paramref name="user"/>.</summary>
    /// <param name="baseUri">The <c>--url</c> value.</param>
    /// <param name="user">User id of the connection.</param>
    /// <returns>The URI to connect to.</returns>
    Uri BuildUri(Uri baseUri, string user);

    /// <summary>Gets a frame the client sends right after the upgrade, before anything arrives (SignalR handshake), or null.</summary>
    byte[]? OpeningFrame { get; }

    /// <summary>Gets a frame the client sends every 10 s to keep the connection alive (SignalR ping), or null.</summary>
    byte[]? KeepAliveFrame => null;

    /// <summary>Classifies a frame; for <see cref="FrameKind.Ping"/> and protocol steps returns the frame to send back.</summary>
    /// <param name="frame">The received frame.</param>
    /// <param name="reply">A frame to send in response, or null.</param>
    /// <returns>The kind.</returns>
    FrameKind Classify(ReadOnlySpan<byte> frame, out byte[]? reply);

    /// <summary>An echo request carrying <paramref name="payload"/>.</summary>
    /// <param name="payload">Payload text.</param>
    /// <returns>The frame.</returns>
    byte[] Echo(string payload);

    /// <summary>A request to join <paramref name="room"/> that gets a <see cref="FrameKind.Joined"/> reply.</summary>
    /// <param name="room">Room name.</param>
    /// <returns>The frame.</returns>
    byte[] Join(string room);

    /// <summary>Publishes <paramref name="payload"/> to every member of <paramref name="room"/> (no acknowledgement).</summary>
    /// <param name="room">Room name.</param>
    /// <param name="payload">Payload text.</param>
    /// <returns>The frame.</returns>
    byte[] Publish(string room, string payload);

    /// <summary>Sends <paramref name="payload"/> to user <paramref name="to"/> (no acknowledgement).</summary>
    /// <param name="to">Recipient user id.</param>
    /// <param name="payload">Payload text.</param>
    /// <returns>The frame.</returns>
    byte[] Private(string to, string payload);
}

/// <summary>Creates the wire of a <c>--target</c>.</summary>
internal static class Wires
{
    /// <summary>Gets every target name.</summary>
    public static IReadOnlyList<string> Names { get; } = ["switchboard", "ws", "socketio", "signalr", "kestrel"];

    /// <summary>Creates the adapter for <paramref name="target"/>.</summary>
    /// <param name="target">Target name.</param>
    /// <param name="tokens">Token source (Switchboard only).</param>
    /// <returns>The adapter.</returns>
    public static IWire Create(string target, TokenMinter? tokens) => target switch
    {
        "switchboard" => new SwitchboardWire(tokens ?? throw new ArgumentException("--target switchboard needs --signing-key or --signing-key-file")),
        "ws" => new RawJsonWire("ws", "/"),
        "kestrel" => new RawJsonWire("kestrel", "/ws"),
        "socketio" => new SocketIoWire(),
        "signalr" => new SignalRWire(),
        _ => throw new ArgumentException($"unknown --target '{target}' (expected {string.Join('|', Names)})"),
    };

    /// <summary>Appends <paramref name="path"/> and <paramref name="query"/> to the base URI unless it already has a path.</summary>
    /// <param name="baseUri">The <c>--url</c> value.</param>
    /// <param name="path">Default path of the target.</param>
    /// <param name="query">Query string without '?'.</param>
    /// <returns>The URI.</returns>
    public static Uri With(Uri baseUri, string path, string query)
    {
        var builder = new UriBuilder(baseUri);
        if (builder.Path is "" or "/")
        {
            builder.Path = path;
        }

        builder.Query = string.IsNullOrEmpty(builder.Query) ? query : builder.Query.TrimStart('?') + "&" + query;
        return builder.Uri;
    }
}
