using System.Globalization;
using System.Text.Json;

namespace Switchboard.LoadTest;

/// <summary>Reads the server's memory: RSS from /proc/&lt;pid&gt;/status and, when available, a managed-heap figure over HTTP.</summary>
internal static class ServerProbe
{
    /// <summary>Reads VmRSS of <paramref name="pid"/> in KiB, or null when the process cannot be read.</summary>
    /// <param name="pid">Server process id.</param>
    /// <returns>RSS in KiB.</returns>
    public static long? ReadRssKiB(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var digits = line["VmRSS:".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                    return long.Parse(digits, CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            // Not readable.
        }

        return null;
    }

    /// <summary>GETs <paramref name="url"/> and returns the numeric property <paramref name="field"/> (bytes), or null.</summary>
    /// <param name="url">A JSON endpoint on loopback.</param>
    /// <param name="field">Property name, dots for nesting (e.g. <c>memory.heap_bytes</c>).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The value.</returns>
    public static async Task<long?> ReadHeapBytesAsync(Uri url, string field, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync(url, cancellationToken).ConfigureAwait(false));
            var element = doc.RootElement;
            foreach (var part in field.Split('.'))
            {
                if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(part, out element))
                {
                    return null;
                }
            }

            return element.ValueKind == JsonValueKind.Number ? element.GetInt64() : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException)
        {
            return null;
        }
    }
}
