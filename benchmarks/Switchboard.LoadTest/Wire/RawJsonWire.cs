namespace Switchboard.LoadTest.Wire;

/// <summary>
/// The "raw ws JSON" wire of the Node.js <c>ws</c> peer and the bare Kestrel peer: one small JSON object per
/// frame with a type field <c>t</c> (see benchmarks/peers/node/ws-server.js).
/// </summary>
internal sealed class RawJsonWire(string name, string path) : IWire
{
    /// <inheritdoc />
    public string Name { get; } = name;

    /// <inheritdoc />
    public IReadOnlyList<string> SubProtocols { get; } = [];

    /// <inheritdoc />
    public byte[]? OpeningFrame => null;

    /// <inheritdoc />
    public Uri BuildUri(Uri baseUri, string user) => Wires.With(baseUri, path, "user=" + Uri.EscapeDataString(user));

    /// <inheritdoc />
    public FrameKind Classify(ReadOnlySpan<byte> frame, out byte[]? reply)
    {
        reply = null;
        if (frame.StartsWith("{\"t\":\"hello\""u8))
        {
            return FrameKind.Ready;
        }

        if (frame.StartsWith("{\"t\":\"joined\""u8))
        {
            return FrameKind.Joined;
        }

        return frame.StartsWith("{\"t\":\"error\""u8) ? FrameKind.Error : FrameKind.Other;
    }

    /// <inheritdoc />
    public byte[] Echo(string payload) => Payload.Utf8($$"""{"t":"echo","d":"{{payload}}"}""");

    /// <inheritdoc />
    public byte[] Join(string room) => Payload.Utf8($$"""{"t":"join","room":"{{room}}"}""");

    /// <inheritdoc />
    public byte[] Publish(string room, string payload) => Payload.Utf8($$"""{"t":"pub","room":"{{room}}","d":"{{payload}}"}""");

    /// <inheritdoc />
    public byte[] Private(string to, string payload) => Payload.Utf8($$"""{"t":"pm","to":"{{to}}","d":"{{payload}}"}""");
}
