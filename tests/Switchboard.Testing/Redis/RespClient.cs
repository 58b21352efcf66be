using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Switchboard.Server.Testing.Redis;

/// <summary>An error reply (<c>-ERR ...</c>, <c>-LOADING ...</c>) from Redis.</summary>
public sealed class RedisReplyException(string message) : Exception(message);

/// <summary>
/// The few lines of RESP the fixtures need (PING while waiting for readiness, INFO for statistics, CONFIG GET): one
/// command on a fresh loopback connection. Tests that exercise Redis itself go through the server under test.
/// </summary>
public static class RespClient
{
    /// <summary>Sends one command and returns the reply as text: simple and bulk strings as they are, integers in
    /// invariant digits, arrays one element per line, nil as an empty string. An error reply throws
    /// <see cref="RedisReplyException"/>.</summary>
    public static async Task<string> CommandAsync(int port, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port, timeout.Token).ConfigureAwait(false);
        var stream = tcp.GetStream();
        var request = new StringBuilder();
        request.Append('*').Append(arguments.Count.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        foreach (var argument in arguments)
        {
            request.Append('$').Append(Encoding.UTF8.GetByteCount(argument).ToString(CultureInfo.InvariantCulture)).Append("\r\n").Append(argument).Append("\r\n");
        }

        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()), timeout.Token).ConfigureAwait(false);
        var reader = new Reader(stream);
        return await reader.ReadReplyAsync(timeout.Token).ConfigureAwait(false);
    }

    private sealed class Reader(NetworkStream stream)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _start;
        private int _end;

        public async Task<string> ReadReplyAsync(CancellationToken cancellationToken)
        {
            var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            var payload = line[1..];
            switch (line[0])
            {
                case '+':
                    return payload;
                case '-':
                    throw new RedisReplyException(payload);
                case ':':
                    return payload;
                case '$':
                    {
                        var length = int.Parse(payload, CultureInfo.InvariantCulture);
                        if (length < 0)
                        {
                            return string.Empty;
                        }

                        var bytes = await ReadExactlyAsync(length + 2, cancellationToken).ConfigureAwait(false);
                        return Encoding.UTF8.GetString(bytes, 0, length);
                    }

                case '*':
                    {
                        var count = int.Parse(payload, CultureInfo.InvariantCulture);
                        var items = new List<string>();
                        for (var i = 0; i < count; i++)
                        {
                            items.Add(await ReadReplyAsync(cancellationToken).ConfigureAwait(false));
                        }

                        return string.Join('\n', items);
                    }

                default:
                    throw new IOException("Unexpected RESP reply: " + line);
            }
        }

        private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
        {
            var line = new List<byte>();
            while (true)
            {
                if (_start == _end)
                {
                    await FillAsync(cancellationToken).ConfigureAwait(false);
                }

                var b = _buffer[_start++];
                if (b == '\n' && line.Count > 0 && line[^1] == '\r')
                {
                    return Encoding.UTF8.GetString([.. line[..^1]]);
                }

                line.Add(b);
            }
        }

        private async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
        {
            var result = new byte[count];
            var filled = 0;
            while (filled < count)
            {
                if (_start == _end)
                {
                    await FillAsync(cancellationToken).ConfigureAwait(false);
                }

                var take = Math.Min(count - filled, _end - _start);
                Array.Copy(_buffer, _start, result, filled, take);
                _start += take;
                filled += take;
            }

            return result;
        }

        private async Task FillAsync(CancellationToken cancellationToken)
        {
            _start = 0;
            _end = await stream.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
            if (_end == 0)
            {
                throw new IOException("Redis closed the connection.");
            }
        }
    }
}
