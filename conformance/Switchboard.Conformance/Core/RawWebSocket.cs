using System.Buffers.Binary;
using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Switchboard.Conformance.Core;

/// <summary>One frame read by <see cref="RawWebSocket"/>.</summary>
/// <param name="Opcode">1 text, 2 binary, 8 close, 9 ping, 10 pong.</param>
/// <param name="Payload">The unmasked payload.</param>
public sealed record RawFrame(int Opcode, byte[] Payload)
{
    /// <summary>The payload as UTF-8 text.</summary>
    public string Text => Encoding.UTF8.GetString(Payload);

    /// <summary>The status of a close frame (1005 when it has none).</summary>
    public int CloseStatus => Payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(Payload) : 1005;
}

/// <summary>
/// A WebSocket on a bare TCP (or TLS) socket, for the cases that must see or do what <c>ClientWebSocket</c> hides:
/// WebSocket ping frames, not answering them, a frame header that declares a huge length, and whether the server keeps
/// TCP open after its close frame. Every frame is written to the case's wire log.
/// </summary>
public sealed class RawWebSocket : IAsyncDisposable
{
    private readonly CaseContext _ctx;
    private readonly TcpClient _tcp;
    private readonly Stream _stream;
    private byte[] _pending = [];

    private RawWebSocket(CaseContext ctx, TcpClient tcp, Stream stream, string label, int status)
    {
        _ctx = ctx;
        _tcp = tcp;
        _stream = stream;
        Label = label;
        Status = status;
    }

    /// <summary>The connection's label in the wire log.</summary>
    public string Label { get; }

    /// <summary>The HTTP status of the upgrade answer (101 when upgraded).</summary>
    public int Status { get; }

    internal static async Task<RawWebSocket> OpenAsync(CaseContext ctx, Uri uri, string label, CancellationToken cancellationToken)
    {
        var request = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"GET {uri.PathAndQuery} HTTP/1.1\r\n")
            .Append(CultureInfo.InvariantCulture, $"Host: {uri.Authority}\r\n")
            .Append("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n")
            .Append(CultureInfo.InvariantCulture, $"Sec-WebSocket-Key: {Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Sec-WebSocket-Protocol: {Wire.Subprotocol}\r\n\r\n");
        ctx.Log.Add(label, WireDirection.Open, $"GET {uri.PathAndQuery} (raw socket)");

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ctx.Options.ExpectTimeout);
        var tcp = new TcpClient();
        try
        {
            await tcp.ConnectAsync(uri.Host, uri.Port, timeout.Token).ConfigureAwait(false);
            Stream stream = tcp.GetStream();
            if (uri.Scheme == "wss")
            {
                var ssl = new SslStream(stream);
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = uri.Host }, timeout.Token).ConfigureAwait(false);
                stream = ssl;
            }

            await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()), timeout.Token).ConfigureAwait(false);

            // The head byte by byte, so that no frame byte after it is consumed.
            var head = new List<byte>();
            var one = new byte[1];
            while (head.Count < 4 || head[^1] != '\n' || head[^2] != '\r' || head[^3] != '\n' || head[^4] != '\r')
            {
                if (await stream.ReadAsync(one, timeout.Token).ConfigureAwait(false) == 0)
                {
                    throw new ConformanceFailureException("the server answers the upgrade", "the connection closed before the end of the response head");
                }

                head.Add(one[0]);
            }

            var text = Encoding.ASCII.GetString([.. head]);
            var parts = text.Split(' ', 3);
            var status = parts.Length > 1 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var st) ? st : 0;
            ctx.Log.Add(label, WireDirection.Note, $"HTTP {status}");
            return new RawWebSocket(ctx, tcp, stream, label, status);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            tcp.Dispose();
            throw new ConformanceFailureException("the server answers the upgrade", ex.Message);
        }
    }

    /// <summary>Writes one complete masked frame.</summary>
    public async Task SendFrameAsync(int opcode, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        var mask = RandomNumberGenerator.GetBytes(4);
        var header = Header(opcode, (ulong)payload.Length, mask);
        var masked = payload.ToArray();
        for (var i = 0; i < masked.Length; i++)
        {
            masked[i] ^= mask[i % 4];
        }

        byte[] frame = [.. header, .. masked];
        _ctx.Log.Add(Label, opcode == 1 ? WireDirection.SendText : WireDirection.Note, opcode == 1 ? Encoding.UTF8.GetString(payload.Span) : $"sent frame opcode {opcode}, {payload.Length} bytes");
        await _stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes only a frame header declaring <paramref name="declaredLength"/>, masked with an all-zero key so that the
    /// bytes written next by <see cref="SendPayloadAsync"/> arrive unchanged.
    /// </summary>
    public async Task SendHeaderAsync(int opcode, ulong declaredLength, CancellationToken cancellationToken = default)
    {
        _ctx.Log.Add(Label, WireDirection.Note, $"sent a frame header: opcode {opcode}, declared length {declaredLength}");
        await _stream.WriteAsync(Header(opcode, declaredLength, new byte[4]), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes payload bytes of the frame started by <see cref="SendHeaderAsync"/>.</summary>
    public async Task SendPayloadAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        _ctx.Log.Add(Label, WireDirection.Note, $"sent {bytes.Length} payload bytes");
        await _stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a close frame.</summary>
    public Task SendCloseAsync(int status, CancellationToken cancellationToken = default)
    {
        var payload = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)status);
        return SendFrameAsync(8, payload, cancellationToken);
    }

    /// <summary>Reads the next frame; null when the server closed TCP; throws <see cref="TimeoutException"/>.</summary>
    public async Task<RawFrame?> ReadFrameAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            if (!await FillAsync(2, cts.Token).ConfigureAwait(false))
            {
                return Dropped();
            }

            var len7 = _pending[1] & 0x7F;
            var masked = (_pending[1] & 0x80) != 0;
            var headerLength = (len7 == 126 ? 4 : len7 == 127 ? 10 : 2) + (masked ? 4 : 0);
            if (!await FillAsync(headerLength, cts.Token).ConfigureAwait(false))
            {
                return Dropped();
            }

            var length = len7 == 126 ? BinaryPrimitives.ReadUInt16BigEndian(_pending.AsSpan(2)) : len7 == 127 ? (long)BinaryPrimitives.ReadUInt64BigEndian(_pending.AsSpan(2)) : len7;
            if (length > 16 * 1024 * 1024)
            {
                throw new ConformanceFailureException("server frames fit the suite's 16 MiB bound", $"a frame declaring {length} bytes");
            }

            if (!await FillAsync(headerLength + (int)length, cts.Token).ConfigureAwait(false))
            {
                return Dropped();
            }

            var frame = new RawFrame(_pending[0] & 0x0F, _pending.AsSpan(headerLength, (int)length).ToArray());
            _pending = _pending[(headerLength + (int)length)..];
            _ctx.Log.Add(Label, frame.Opcode switch
            {
                1 => WireDirection.ReceiveText,
                8 => WireDirection.Close,
                _ => WireDirection.Note,
            }, frame.Opcode switch
            {
                1 => frame.Text,
                8 => $"close frame {frame.CloseStatus}",
                _ => $"received frame opcode {frame.Opcode}, {frame.Payload.Length} bytes",
            });
            return frame;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no complete frame within {(int)timeout.TotalMilliseconds} ms");
        }
    }

    /// <summary>Reads frames until the server closes TCP; returns them. Throws <see cref="TimeoutException"/> when it does not.</summary>
    public async Task<List<RawFrame>> ReadUntilDroppedAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var frames = new List<RawFrame>();
        var deadline = _ctx.Options.Time.GetUtcNow() + timeout;
        while (true)
        {
            var left = deadline - _ctx.Options.Time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"the server did not close TCP within {(int)timeout.TotalMilliseconds} ms");
            }

            if (await ReadFrameAsync(left, cancellationToken).ConfigureAwait(false) is not { } frame)
            {
                return frames;
            }

            frames.Add(frame);
        }
    }

    private RawFrame? Dropped()
    {
        _ctx.Log.Add(Label, WireDirection.Close, "TCP connection closed by the server");
        return null;
    }

    private async Task<bool> FillAsync(int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        while (_pending.Length < count)
        {
            int read;
            try
            {
                read = await _stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                return false; // reset
            }

            if (read == 0)
            {
                return false;
            }

            _pending = [.. _pending, .. buffer.AsSpan(0, read)];
        }

        return true;
    }

    private static byte[] Header(int opcode, ulong length, byte[] mask)
    {
        var header = new List<byte> { (byte)(0x80 | opcode) };
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

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _tcp.Dispose();
    }
}
