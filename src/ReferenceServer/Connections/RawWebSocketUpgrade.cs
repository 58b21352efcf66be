using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Switchboard.ReferenceServer.Connections;

/// <summary>
/// Performs the RFC 6455 server handshake over <see cref="IHttpUpgradeFeature"/> and creates the WebSocket on an
/// <see cref="OpcodeRewritingStream"/>. Why: .NET's WebSocket closes the connection with 1007 when a text frame is
/// not valid UTF-8, but the spec requires ERROR 1002 INVALID_UTF8 with the connection kept open (SB-CODEC-002).
/// The stream relabels incoming text frames as binary (so the WebSocket does not validate them) and remembers each
/// message's real type, which the receive loop reads back (<see cref="IFrameTypeSource"/>).
/// Falls back to the standard accept (UTF-8 enforced by .NET) when the request is not an HTTP/1.1 upgrade.
/// </summary>
internal static class RawWebSocketUpgrade
{
    private const string Rfc6455Guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    public static async Task<(WebSocket Socket, IFrameTypeSource? Types)> AcceptAsync(HttpContext http, string? subprotocol)
    {
        var upgrade = http.Features.Get<IHttpUpgradeFeature>();
        var key = http.Request.Headers["Sec-WebSocket-Key"].ToString();
        if (upgrade is null || !upgrade.IsUpgradableRequest || key.Length == 0)
        {
            var standard = await http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                SubProtocol = subprotocol,
                KeepAliveInterval = TimeSpan.Zero,
                DangerousEnableCompression = false,
            }).ConfigureAwait(false);
            return (standard, null);
        }

        var headers = http.Response.Headers;
        headers.Connection = "Upgrade";
        headers.Upgrade = "websocket";
        headers.SecWebSocketAccept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key.Trim() + Rfc6455Guid)));
        if (subprotocol is not null)
        {
            headers.SecWebSocketProtocol = subprotocol;
        }

        var stream = await upgrade.UpgradeAsync().ConfigureAwait(false);
        var rewriting = new OpcodeRewritingStream(stream);
        var socket = WebSocket.CreateFromStream(rewriting, new WebSocketCreationOptions
        {
            IsServer = true,
            SubProtocol = subprotocol,
            KeepAliveInterval = TimeSpan.Zero,
        });
        return (socket, rewriting);
    }
}

/// <summary>
/// Lets the connection's writer batch the frames it drains from its queue into as few transport writes as possible:
/// between <see cref="BeginCoalescing"/> and <see cref="EndCoalescingAsync"/>, frame writes are buffered (up to
/// 64 KiB at a time) instead of being written and flushed one by one.
/// </summary>
internal interface IWriteCoalescer
{
    void BeginCoalescing();

    ValueTask EndCoalescingAsync(CancellationToken cancellationToken);
}

/// <summary>Gives the receive loop the real type of each data message, in order.</summary>
internal interface IFrameTypeSource
{
    /// <summary>Dequeues the type of the next data message (true = text). Call once per message, at its first fragment.</summary>
    bool NextMessageIsText();
}

/// <summary>
/// A duplex stream that parses client-to-server frame headers as the bytes pass and relabels text data frames
/// (opcode 1) as binary (opcode 2), recording the original type. Payload bytes, control frames, continuation frames
/// and the write direction are untouched.
/// </summary>
internal sealed class OpcodeRewritingStream(Stream inner) : Stream, IFrameTypeSource, IWriteCoalescer
{
    private const int CoalesceLimit = 64 * 1024;
    private readonly ConcurrentQueue<bool> _types = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private byte[] _pending = [];
    private int _pendingCount;
    private volatile bool _coalescing;
    private State _state = State.Byte0;
    private bool _masked;
    private int _counter;
    private ulong _payloadRemaining;

    private enum State
    {
        Byte0,
        Byte1,
        ExtendedLength,
        MaskKey,
        Payload,
    }

    public bool NextMessageIsText() => !_types.TryDequeue(out var isText) || isText;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Rewrite(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        Rewrite(buffer.AsSpan(offset, read));
        return read;
    }

    private void Rewrite(Span<byte> data)
    {
        var i = 0;
        while (i < data.Length)
        {
            switch (_state)
            {
                case State.Byte0:
                    var opcode = data[i] & 0x0F;
                    if (opcode is 1 or 2)
                    {
                        _types.Enqueue(opcode == 1);
                        data[i] = (byte)((data[i] & 0xF0) | 0x2);
                    }

                    _state = State.Byte1;
                    i++;
                    break;
                case State.Byte1:
                    _masked = (data[i] & 0x80) != 0;
                    var len7 = data[i] & 0x7F;
                    i++;
                    if (len7 >= 126)
                    {
                        _counter = len7 == 126 ? 2 : 8;
                        _payloadRemaining = 0;
                        _state = State.ExtendedLength;
                    }
                    else
                    {
                        _payloadRemaining = (ulong)len7;
                        AfterLength();
                    }

                    break;
                case State.ExtendedLength:
                    _payloadRemaining = (_payloadRemaining << 8) | data[i];
                    i++;
                    if (--_counter == 0)
                    {
                        AfterLength();
                    }

                    break;
                case State.MaskKey:
                    i++;
                    if (--_counter == 0)
                    {
                        _state = _payloadRemaining > 0 ? State.Payload : State.Byte0;
                    }

                    break;
                case State.Payload:
                    var skip = (int)Math.Min(_payloadRemaining, (ulong)(data.Length - i));
                    i += skip;
                    _payloadRemaining -= (ulong)skip;
                    if (_payloadRemaining == 0)
                    {
                        _state = State.Byte0;
                    }

                    break;
            }
        }
    }

    private void AfterLength()
    {
        if (_masked)
        {
            _counter = 4;
            _state = State.MaskKey;
        }
        else
        {
            _state = _payloadRemaining > 0 ? State.Payload : State.Byte0;
        }
    }

    public void BeginCoalescing() => _coalescing = true;

    public async ValueTask EndCoalescingAsync(CancellationToken cancellationToken)
    {
        _coalescing = false;
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await FlushPendingLockedAsync(cancellationToken).ConfigureAwait(false);
            await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Idle connections hold no batch buffer: it is rented per drain cycle.
            if (_pending.Length > 0 && _pendingCount == 0)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(_pending);
                _pending = [];
            }

            _writeLock.Release();
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_coalescing && buffer.Length < CoalesceLimit)
            {
                if (_pendingCount + buffer.Length > CoalesceLimit)
                {
                    await FlushPendingLockedAsync(cancellationToken).ConfigureAwait(false);
                }

                if (_pending.Length < CoalesceLimit)
                {
                    _pending = System.Buffers.ArrayPool<byte>.Shared.Rent(CoalesceLimit);
                }

                buffer.Span.CopyTo(_pending.AsSpan(_pendingCount));
                _pendingCount += buffer.Length;
                return;
            }

            await FlushPendingLockedAsync(cancellationToken).ConfigureAwait(false);
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async ValueTask FlushPendingLockedAsync(CancellationToken cancellationToken)
    {
        if (_pendingCount > 0)
        {
            var count = _pendingCount;
            _pendingCount = 0;
            await inner.WriteAsync(_pending.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) => _coalescing ? Task.CompletedTask : inner.FlushAsync(cancellationToken);

    public override void Flush()
    {
        if (!_coalescing)
        {
            inner.Flush();
        }
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            ReturnPending();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        ReturnPending();
    }

    private void ReturnPending()
    {
        if (_writeLock.Wait(0))
        {
            if (_pending.Length > 0)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(_pending);
                _pending = [];
            }

            _writeLock.Release();
        }
    }
}
