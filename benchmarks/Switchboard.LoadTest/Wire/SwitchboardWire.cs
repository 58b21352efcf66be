using System.Collections.Concurrent;

namespace Switchboard.LoadTest.Wire;

/// <summary>The Switchboard v1 JSON envelope wire (<c>switchboard.v1.json</c>, namespace <c>web</c>).</summary>
internal sealed class SwitchboardWire(TokenMinter tokens) : IWire
{
    private static readonly byte[] Pong = """{"command":"PONG"}"""u8.ToArray();
    private readonly ConcurrentDictionary<string, string> tokenCache = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public string Name => "switchboard";

    /// <inheritdoc />
    public IReadOnlyList<string> SubProtocols { get; } = ["switchboard.v1.json"];

    /// <inheritdoc />
    public byte[]? OpeningFrame => null;

    /// <inheritdoc />
    public Uri BuildUri(Uri baseUri, string user) =>
        Wires.With(baseUri, "/web", "access_token=" + tokenCache.GetOrAdd(user, tokens.Mint));

    /// <inheritdoc />
    public FrameKind Classify(ReadOnlySpan<byte> frame, out byte[]? reply)
    {
        reply = null;
        // Writers emit "event" first: {"event":"NAME",...}
        if (frame.StartsWith("""{"event":"CONNECT","""u8))
        {
            return FrameKind.Ready;
        }

        if (frame.StartsWith("""{"event":"ROOM_STATE","""u8))
        {
            return FrameKind.Joined;
        }

        if (frame.StartsWith("""{"event":"PING","""u8))
        {
            reply = Pong;
            return FrameKind.Ping;
        }

        if (frame.StartsWith("""{"event":"ERROR","""u8) || frame.StartsWith("""{"event":"SEND_MESSAGE_ERROR","""u8)
            || frame.StartsWith("""{"event":"CLOSE","""u8))
        {
            return FrameKind.Error;
        }

        return FrameKind.Other;
    }

    /// <inheritdoc />
    public byte[] Echo(string payload) => Payload.Utf8($$$"""{"command":"ECHO","cid":"e","request":{"data":"{{{payload}}}"}}""");

    /// <inheritdoc />
    public byte[] Join(string room) => Payload.Utf8($$$"""{"command":"JOIN_ROOM","cid":"j","request":{"room":"{{{room}}}"}}""");

    /// <inheritdoc />
    public byte[] Publish(string room, string payload) =>
        Payload.Utf8($$$"""{"command":"SEND_ROOM_MESSAGE","request":{"room":"{{{room}}}","data":"{{{payload}}}"}}""");

    /// <inheritdoc />
    public byte[] Private(string to, string payload) =>
        Payload.Utf8($$$"""{"command":"SEND_PRIVATE_MESSAGE","cid":"p","request":{"to":"{{{to}}}","data":"{{{payload}}}"}}""");
}
