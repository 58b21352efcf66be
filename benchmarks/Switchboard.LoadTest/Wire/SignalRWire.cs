namespace Switchboard.LoadTest.Wire;

/// <summary>
/// The ASP.NET Core SignalR JSON hub protocol over a raw WebSocket (negotiation skipped, as the official clients do
/// with <c>SkipNegotiation</c>): handshake <c>{"protocol":"json","version":1}\u001e</c> answered by <c>{}\u001e</c>;
/// invocations <c>{"type":1,...}</c>, completions <c>{"type":3,...}</c>, pings <c>{"type":6}</c>, close <c>{"type":7}</c>.
/// A frame may carry several records separated by <c>\u001e</c>.
/// </summary>
internal sealed class SignalRWire : IWire
{
    private static readonly byte[] PingFrame = "{\"type\":6}\u001e"u8.ToArray();

    /// <inheritdoc />
    public string Name => "signalr";

    /// <inheritdoc />
    public IReadOnlyList<string> SubProtocols { get; } = [];

    /// <inheritdoc />
    public byte[]? OpeningFrame { get; } = "{\"protocol\":\"json\",\"version\":1}\u001e"u8.ToArray();

    /// <inheritdoc />
    public byte[]? KeepAliveFrame => PingFrame;

    /// <inheritdoc />
    public Uri BuildUri(Uri baseUri, string user) => Wires.With(baseUri, "/hub", "user=" + Uri.EscapeDataString(user));

    /// <inheritdoc />
    public FrameKind Classify(ReadOnlySpan<byte> frame, out byte[]? reply)
    {
        reply = null;
        if (frame.StartsWith("{}\u001e"u8))
        {
            return FrameKind.Ready;
        }

        if (frame.StartsWith("{\"error\""u8) || frame.IndexOf("\"type\":7"u8) >= 0 || frame.IndexOf("\"error\":"u8) >= 0)
        {
            return FrameKind.Error;
        }

        if (frame.IndexOf("\"invocationId\":\"j\""u8) >= 0)
        {
            return FrameKind.Joined;
        }

        if (frame.IndexOf("{\"type\":6}"u8) >= 0)
        {
            // Answering the server's keepalive with ours keeps the server's client-timeout (30 s) from firing.
            reply = PingFrame;
            return FrameKind.Ping;
        }

        return FrameKind.Other;
    }

    /// <inheritdoc />
    public byte[] Echo(string payload) =>
        Payload.Utf8($$"""{"type":1,"invocationId":"e","target":"Echo","arguments":["{{payload}}"]}""" + "\u001e");

    /// <inheritdoc />
    public byte[] Join(string room) =>
        Payload.Utf8($$"""{"type":1,"invocationId":"j","target":"Join","arguments":["{{room}}"]}""" + "\u001e");

    /// <inheritdoc />
    public byte[] Publish(string room, string payload) =>
        Payload.Utf8($$"""{"type":1,"target":"Pub","arguments":["{{room}}","{{payload}}"]}""" + "\u001e");

    /// <inheritdoc />
    public byte[] Private(string to, string payload) =>
        Payload.Utf8($$"""{"type":1,"target":"Pm","arguments":["{{to}}","{{payload}}"]}""" + "\u001e");
}
