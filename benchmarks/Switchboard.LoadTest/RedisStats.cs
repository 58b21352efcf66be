using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Switchboard.LoadTest;

/// <summary>
/// Redis's own counters around a measured window (cluster mode): <c>INFO commandstats</c> (calls per command) and
/// <c>INFO stats</c> (<c>total_net_input_bytes</c>, <c>total_net_output_bytes</c>), read with one RESP command on a
/// fresh loopback connection at the start and at the end of the window. The deltas divided by the messages of the
/// window give Redis round trips and bytes per message (messages in flight at the two edges make it approximate by
/// at most the in-flight count over the window's messages).
/// </summary>
internal sealed class RedisStats
{
    private RedisStats(IReadOnlyDictionary<string, long> calls, long bytesIn, long bytesOut)
    {
        Calls = calls;
        BytesIn = bytesIn;
        BytesOut = bytesOut;
    }

    /// <summary>Gets calls per command (lower case, e.g. <c>evalsha</c>).</summary>
    public IReadOnlyDictionary<string, long> Calls { get; }

    /// <summary>Gets the bytes Redis received from all clients.</summary>
    public long BytesIn { get; }

    /// <summary>Gets the bytes Redis sent to all clients.</summary>
    public long BytesOut { get; }

    /// <summary>Reads the counters.</summary>
    /// <param name="endpoint">Loopback <c>host:port</c>.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The snapshot.</returns>
    public static async Task<RedisStats> ReadAsync(string endpoint, CancellationToken cancellationToken)
    {
        var commandStats = await InfoAsync(endpoint, "commandstats", cancellationToken).ConfigureAwait(false);
        var stats = await InfoAsync(endpoint, "stats", cancellationToken).ConfigureAwait(false);
        return Parse(commandStats, stats);
    }

    /// <summary>Parses the text of <c>INFO commandstats</c> and <c>INFO stats</c>.</summary>
    /// <param name="commandStats">INFO commandstats.</param>
    /// <param name="stats">INFO stats.</param>
    /// <returns>The snapshot.</returns>
    public static RedisStats Parse(string commandStats, string stats)
    {
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in commandStats.Split('\n', StringSplitOptions.TrimEntries))
        {
            // cmdstat_evalsha:calls=120,usec=900,usec_per_call=7.50,rejected_calls=0,failed_calls=0
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (!line.StartsWith("cmdstat_", StringComparison.Ordinal) || colon < 0)
            {
                continue;
            }

            var name = line[8..colon];
            foreach (var field in line[(colon + 1)..].Split(','))
            {
                if (field.StartsWith("calls=", StringComparison.Ordinal))
                {
                    calls[name] = long.Parse(field.AsSpan(6), CultureInfo.InvariantCulture);
                }
            }
        }

        long Field(string key)
        {
            foreach (var line in stats.Split('\n', StringSplitOptions.TrimEntries))
            {
                if (line.StartsWith(key + ":", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(key.Length + 1), CultureInfo.InvariantCulture);
                }
            }

            return 0;
        }

        return new RedisStats(calls, Field("total_net_input_bytes"), Field("total_net_output_bytes"));
    }

    /// <summary>Adds the per-message figures of the window <paramref name="before"/> → <paramref name="after"/>.</summary>
    /// <param name="result">The run's result.</param>
    /// <param name="before">At the window's start.</param>
    /// <param name="after">At its end.</param>
    /// <param name="messages">Messages of the window.</param>
    public static void AddMetrics(RunResult result, RedisStats before, RedisStats after, double messages)
    {
        // The two INFO reads of the snapshots themselves are not the server's work.
        var deltas = after.Calls
            .Select(p => (Name: p.Key, Delta: p.Value - before.Calls.GetValueOrDefault(p.Key) - (p.Key == "info" ? 2 : 0)))
            .Where(p => p.Delta > 0)
            .ToList();
        var total = deltas.Sum(d => d.Delta);
        result.Metrics["redis_commands"] = total;
        result.Metrics["redis_bytes_in"] = after.BytesIn - before.BytesIn;
        result.Metrics["redis_bytes_out"] = after.BytesOut - before.BytesOut;
        if (messages <= 0)
        {
            return;
        }

        result.Metrics["redis_commands_per_message"] = total / messages;
        result.Metrics["redis_bytes_in_per_message"] = (after.BytesIn - before.BytesIn) / messages;
        result.Metrics["redis_bytes_out_per_message"] = (after.BytesOut - before.BytesOut) / messages;
        foreach (var (name, delta) in deltas)
        {
            result.Metrics[$"redis_{name.Replace('|', '_')}_per_message"] = delta / messages;
        }
    }

    private static async Task<string> InfoAsync(string endpoint, string section, CancellationToken cancellationToken)
    {
        var colon = endpoint.LastIndexOf(':');
        using var tcp = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        await tcp.ConnectAsync(endpoint[..colon], int.Parse(endpoint.AsSpan(colon + 1), CultureInfo.InvariantCulture), timeout.Token).ConfigureAwait(false);
        var stream = tcp.GetStream();
        var request = $"*2\r\n$4\r\nINFO\r\n${section.Length}\r\n{section}\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), timeout.Token).ConfigureAwait(false);

        // Reply: $<length>\r\n<bulk>\r\n
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int? length = null;
        var headerLength = 0;
        while (length is null || buffer.Length < headerLength + length + 2)
        {
            var read = await stream.ReadAsync(chunk, timeout.Token).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException("Redis closed the connection during INFO.");
            }

            buffer.Write(chunk, 0, read);
            if (length is null)
            {
                var text = Encoding.ASCII.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
                var end = text.IndexOf("\r\n", StringComparison.Ordinal);
                if (end > 0)
                {
                    if (text[0] != '$')
                    {
                        throw new IOException("Unexpected INFO reply: " + text[..end]);
                    }

                    length = int.Parse(text.AsSpan(1, end - 1), CultureInfo.InvariantCulture);
                    headerLength = end + 2;
                }
            }
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), headerLength, length.Value);
    }
}
