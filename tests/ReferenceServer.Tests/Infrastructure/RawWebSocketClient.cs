using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Switchboard.Server.Tests.Infrastructure;

/// <summary>
/// A WebSocket client on a bare <see cref="TcpClient"/>, for tests that must see or do what a WebSocket library hides:
/// read the HTTP answer to an upgrade (426), write a frame header that declares a huge length, observe ping frames,
/// not answer pings, and tell whether the server keeps or drops TCP after its close frame.
/// </summary>
internal sealed class RawWebSocketClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private byte[] _pending = [];

    private RawWebSocketClient(TcpClient tcp, int status, string headers)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        Status = status;
        ResponseHeaders = headers;
    }

    /// <summary>The HTTP status of the upgrade answer (101 when upgraded).</summary>
    public int Status { get; }

    /// <summary>The raw response head (status line and headers).</summary>
    public string ResponseHeaders { get; }

    /// <summary>Sends an HTTP/1.1 upgrade for <paramref name="pathAndQuery"/> and reads the response head.</summary>
    public static async Task<RawWebSocketClient> ConnectAsync(Uri baseUri, string pathAndQuery, string version = "13", string? subprotocol = Switchboard.Protocol.WireProtocol.Subprotocol)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(baseUri.Host, baseUri.Port);
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var request = new StringBuilder()
            .Append("GET ").Append(pathAndQuery).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(baseUri.Authority).Append("\r\n")
            .Append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
            .Append("Sec-WebSocket-Key: ").Append(key).Append("\r\n")
            .Append("Sec-WebSocket-Version: ").Append(version).Append("\r\n");
        if (subprotocol is not null)
        {
            request.Append("Sec-WebSocket-Protocol: ").Append(subprotocol).Append("\r\n");
        }

        request.Append("\r\n");
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()));

        // Read the head byte by byte (it is small) so that no frame byte after it is consumed.
        var head = new List<byte>();
        var one = new byte[1];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (head.Count < 4 || head[^1] != '\n' || head[^2] != '\r' || head[^3] != '\n' || head[^4] != '\r')
        {
            if (await stream.ReadAsync(one, timeout.Token) == 0)
            {
                throw new IOException("The server closed before the end of the response head.");
            }

            head.Add(one[0]);
        }

        var text = Encoding.ASCII.GetString([.. head]);
        var status = int.Parse(text.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        return new RawWebSocketClient(tcp, status, text);
    }

    /// <summary>The value of a response header (first occurrence), or null.</summary>
    public string? Header(string name)
    {
        foreach (var line in ResponseHeaders.Split("\r\n"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && string.Equals(line[..colon].Trim(), name, StringComparison.OrdinalIgnoreCase))
            {
                return line[(colon + 1)..].Trim();
            }
        }

        return null;
    }

    /// <summary>
    /// Writes one frame header declaring <paramref name="declaredLength"/> (no payload), masked with an all-zero key so
    /// that the payload written next by <see cref="SendPayloadAsync"/> arrives unchanged (stays valid UTF-8).
    /// </summary>
    public Task SendHeaderAsync(int opcode, ulong declaredLength, bool fin = true) => _stream.WriteAsync(Header(opcode, declaredLength, fin, out _, zeroMask: true)).AsTask();

    /// <summary>Writes payload bytes of a frame started with <see cref="SendHeaderAsync"/> (masked with a zero key).</summary>
    public Task SendPayloadAsync(ReadOnlyMemory<byte> bytes) => _stream.WriteAsync(bytes).AsTask();

    /// <summary>Writes one complete masked frame.</summary>
    public async Task SendFrameAsync(int opcode, ReadOnlyMemory<byte> payload, bool fin = true)
    {
        var header = Header(opcode, (ulong)payload.Length, fin, out var mask);
        var masked = payload.ToArray();
        for (var i = 0; i < masked.Length; i++)
        {
            masked[i] ^= mask[i % 4];
        }

        byte[] frame = [.. header, .. masked];
        await _stream.WriteAsync(frame);
    }

    /// <summary>Writes a close frame with <paramref name="status"/>.</summary>
    public Task SendCloseAsync(ushort status = 1000)
    {
        var payload = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(payload, status);
        return SendFrameAsync(0x8, payload);
    }

    /// <summary>
    /// Reads the next frame. Returns null when the server closed TCP (EOF or reset) before a whole frame arrived;
    /// throws <see cref="TimeoutException"/> when nothing complete arrived within <paramref name="timeout"/>.
    /// </summary>
    public async Task<RawFrame?> ReadFrameAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            if (!await FillAsync(2, cts.Token))
            {
                return null;
            }

            var b0 = _pending[0];
            var len7 = _pending[1] & 0x7F;
            var headerLength = len7 == 126 ? 4 : len7 == 127 ? 10 : 2;
            if (!await FillAsync(headerLength, cts.Token))
            {
                return null;
            }

            var length = len7 == 126 ? BinaryPrimitives.ReadUInt16BigEndian(_pending.AsSpan(2)) : len7 == 127 ? (long)BinaryPrimitives.ReadUInt64BigEndian(_pending.AsSpan(2)) : len7;
            if (!await FillAsync(headerLength + (int)length, cts.Token))
            {
                return null;
            }

            var frame = new RawFrame((b0 & 0x80) != 0, b0 & 0x0F, _pending.AsSpan(headerLength, (int)length).ToArray());
            _pending = _pending[(headerLength + (int)length)..];
            return frame;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No complete frame within {timeout}.");
        }
    }

    /// <summary>Reads frames until the server closes TCP; returns them (null = closed). Throws on timeout.</summary>
    public async Task<List<RawFrame>> ReadUntilTcpClosedAsync(TimeSpan timeout)
    {
        var frames = new List<RawFrame>();
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = until - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException("The server did not close TCP.");
            }

            var frame = await ReadFrameAsync(left);
            if (frame is null)
            {
                return frames;
            }

            frames.Add(frame);
        }
    }

    private async Task<bool> FillAsync(int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        while (_pending.Length < count)
        {
            int read;
            try
            {
                read = await _stream.ReadAsync(buffer, cancellationToken);
            }
            catch (IOException)
            {
                return false; // reset by the server
            }

            if (read == 0)
            {
                return false;
            }

            _pending = [.. _pending, .. buffer.AsSpan(0, read)];
        }

        return true;
    }

    private static byte[] Header(int opcode, ulong length, bool fin, out byte[] mask, bool zeroMask = false)
    {
        mask = zeroMask ? new byte[4] : RandomNumberGenerator.GetBytes(4);
        var header = new List<byte> { (byte)((fin ? 0x80 : 0) | opcode) };
        if (length < 126)
        {
            header.Add((byte)(0x80 | (int)length));
        }
        else if (length <= ushort.MaxValue)
        {
            header.Add(0x80 | 126);
            header.Add((byte)(length >> 8));
            header.Add((byte)length);
        }
        else
        {
            header.Add(0x80 | 127);
            for (var shift = 56; shift >= 0; shift -= 8)
            {
                header.Add((byte)(length >> shift));
            }
        }

        header.AddRange(mask);
        return [.. header];
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>One frame as read from the wire.</summary>
internal sealed record RawFrame(bool Fin, int Opcode, byte[] Payload)
{
    public string Text => Encoding.UTF8.GetString(Payload);

    /// <summary>The status of a close frame.</summary>
    public int CloseStatus => Payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(Payload) : 1005;
}
