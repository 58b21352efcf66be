using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;

namespace Switchboard.Peers.Kestrel;

/// <summary>
/// The smallest honest WebSocket message server on bare Kestrel: one JSON object per text frame (the
/// load tool's "raw ws JSON" wire, identical to the Node.js <c>ws</c> peer), a bounded outbound queue and
/// one writer loop per connection, broadcasts serialized once, zero-byte reads while idle.
/// </summary>
public sealed class RawHub
{
    private const int MaxMessageBytes = 65536;
    private static readonly byte[] Hello = """{"t":"hello"}"""u8.ToArray();
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Connection, byte>> rooms = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Connection, byte>> users = new(StringComparer.Ordinal);
    private int connectionCount;

    /// <summary>Gets the number of open connections.</summary>
    public int ConnectionCount => Volatile.Read(ref connectionCount);

    /// <summary>Serves one WebSocket until it closes.</summary>
    /// <param name="socket">The accepted socket.</param>
    /// <param name="user">The user id (query parameter <c>user</c>).</param>
    /// <param name="cancellationToken">Aborts the connection.</param>
    /// <returns>A task that completes when the connection is closed.</returns>
    public async Task RunAsync(WebSocket socket, string user, CancellationToken cancellationToken)
    {
        var connection = new Connection(socket, user);
        Interlocked.Increment(ref connectionCount);
        Add(users, user, connection);
        var writer = connection.WriteLoopAsync(cancellationToken);
        connection.Enqueue(Hello);
        try
        {
            await ReadLoopAsync(connection, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // Peer went away.
        }
        finally
        {
            Remove(users, user, connection);
            foreach (var room in connection.Rooms.Keys)
            {
                Remove(rooms, room, connection);
            }

            connection.Complete();
            Interlocked.Decrement(ref connectionCount);
        }

        await writer.ConfigureAwait(false);
    }

    private async Task ReadLoopAsync(Connection connection, CancellationToken cancellationToken)
    {
        var socket = connection.Socket;
        while (socket.State == WebSocketState.Open)
        {
            // Zero-byte read: an idle connection holds no buffer.
            var probe = await socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
            if (probe.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken).ConfigureAwait(false);
                return;
            }

            var buffer = ArrayPool<byte>.Shared.Rent(MaxMessageBytes);
            try
            {
                var count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (count == buffer.Length)
                    {
                        await socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, "too big", cancellationToken).ConfigureAwait(false);
                        return;
                    }

                    result = await socket.ReceiveAsync(buffer.AsMemory(count), cancellationToken).ConfigureAwait(false);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken).ConfigureAwait(false);
                        return;
                    }

                    count += result.Count;
                }
                while (!result.EndOfMessage);

                if (count > 0)
                {
                    Dispatch(connection, buffer.AsSpan(0, count));
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private void Dispatch(Connection connection, ReadOnlySpan<byte> frame)
    {
        string? type = null, data = null, room = null, to = null;
        try
        {
            var reader = new Utf8JsonReader(frame);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                connection.Enqueue("""{"t":"error","error":"not an object"}"""u8.ToArray());
                return;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("t"u8)) { reader.Read(); type = reader.GetString(); }
                else if (reader.ValueTextEquals("d"u8)) { reader.Read(); data = reader.GetString(); }
                else if (reader.ValueTextEquals("room"u8)) { reader.Read(); room = reader.GetString(); }
                else if (reader.ValueTextEquals("to"u8)) { reader.Read(); to = reader.GetString(); }
                else { reader.Read(); reader.Skip(); }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            connection.Enqueue("""{"t":"error","error":"malformed json"}"""u8.ToArray());
            return;
        }

        switch (type)
        {
            case "echo":
                connection.Enqueue(Write(w => { w.WriteString("t"u8, "echo"u8); w.WriteString("d"u8, data); }));
                break;
            case "join" when room is not null:
                Add(rooms, room, connection);
                connection.Rooms.TryAdd(room, 0);
                connection.Enqueue(Write(w => { w.WriteString("t"u8, "joined"u8); w.WriteString("room"u8, room); }));
                break;
            case "pub" when room is not null && connection.Rooms.ContainsKey(room) && rooms.TryGetValue(room, out var members):
                {
                    // Serialize once, send the same bytes to every member.
                    var bytes = Write(w => { w.WriteString("t"u8, "msg"u8); w.WriteString("room"u8, room); w.WriteString("from"u8, connection.User); w.WriteString("d"u8, data); });
                    foreach (var member in members.Keys)
                    {
                        member.Enqueue(bytes);
                    }

                    break;
                }

            case "pm" when to is not null && users.TryGetValue(to, out var targets):
                {
                    var bytes = Write(w => { w.WriteString("t"u8, "pm"u8); w.WriteString("from"u8, connection.User); w.WriteString("d"u8, data); });
                    foreach (var target in targets.Keys)
                    {
                        target.Enqueue(bytes);
                    }

                    break;
                }

            default:
                connection.Enqueue("""{"t":"error","error":"rejected"}"""u8.ToArray());
                break;
        }
    }

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void Add(ConcurrentDictionary<string, ConcurrentDictionary<Connection, byte>> map, string key, Connection connection) =>
        map.GetOrAdd(key, static _ => new ConcurrentDictionary<Connection, byte>()).TryAdd(connection, 0);

    private static void Remove(ConcurrentDictionary<string, ConcurrentDictionary<Connection, byte>> map, string key, Connection connection)
    {
        if (map.TryGetValue(key, out var set))
        {
            set.TryRemove(connection, out _);
        }
    }

    private sealed class Connection(WebSocket socket, string user)
    {
        private readonly Channel<byte[]> outbound = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(4096)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.DropWrite,
        });

        public WebSocket Socket { get; } = socket;

        public string User { get; } = user;

        public ConcurrentDictionary<string, byte> Rooms { get; } = new(StringComparer.Ordinal);

        public void Enqueue(byte[] frame)
        {
            if (!outbound.Writer.TryWrite(frame))
            {
                // Slow consumer: drop the connection rather than buffer without bound.
                Socket.Abort();
            }
        }

        public void Complete() => outbound.Writer.TryComplete();

        public async Task WriteLoopAsync(CancellationToken cancellationToken)
        {
            try
            {
                while (await outbound.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    while (outbound.Reader.TryRead(out var frame))
                    {
                        await Socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // Connection is gone.
            }
        }
    }
}
