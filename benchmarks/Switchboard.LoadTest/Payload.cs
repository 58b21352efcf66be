using System.Buffers.Text;
using System.Text;

namespace Switchboard.LoadTest;

/// <summary>
/// Benchmark payloads: <c>BMK_&lt;slot&gt;_&lt;generation&gt;_&lt;timestamp&gt;_</c> followed by padding. Only
/// characters that every wire (JSON, socket.io, SignalR) carries unescaped, so a receiver finds the marker in the
/// raw frame bytes without parsing the frame — identical cost for every target.
/// </summary>
internal static class Payload
{
    private static ReadOnlySpan<byte> Marker => "BMK_"u8;

    /// <summary>Builds a payload of at least <paramref name="size"/> characters.</summary>
    /// <param name="slot">Flow-control slot (or connection index for echo).</param>
    /// <param name="generation">Slot generation (stale deliveries are ignored for flow control).</param>
    /// <param name="timestamp">Send time from <see cref="Clock.Now"/>.</param>
    /// <param name="size">Target length of the payload.</param>
    /// <returns>The payload text.</returns>
    public static string Create(int slot, int generation, long timestamp, int size)
    {
        var head = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"BMK_{slot}_{generation}_{timestamp}_");
        return head.Length >= size ? head : head + new string('x', size - head.Length);
    }

    /// <summary>Finds every marker in <paramref name="frame"/> and calls <paramref name="onMarker"/> for each.</summary>
    /// <typeparam name="TState">Callback state.</typeparam>
    /// <param name="frame">A received frame.</param>
    /// <param name="state">Passed to the callback.</param>
    /// <param name="onMarker">Called with (state, slot, generation, timestamp).</param>
    /// <returns>The number of markers found.</returns>
    public static int Scan<TState>(ReadOnlySpan<byte> frame, TState state, Action<TState, int, int, long> onMarker)
    {
        var found = 0;
        while (true)
        {
            var at = frame.IndexOf(Marker);
            if (at < 0)
            {
                return found;
            }

            frame = frame[(at + Marker.Length)..];
            if (!TryNumber(ref frame, out var slot) || !TryNumber(ref frame, out var generation) || !TryNumber(ref frame, out var timestamp))
            {
                continue;
            }

            found++;
            onMarker(state, (int)slot, (int)generation, timestamp);
        }
    }

    private static bool TryNumber(ref ReadOnlySpan<byte> text, out long value)
    {
        if (!Utf8Parser.TryParse(text, out value, out var consumed) || consumed >= text.Length || text[consumed] != (byte)'_')
        {
            return false;
        }

        text = text[(consumed + 1)..];
        return true;
    }

    /// <summary>UTF-8 bytes of <paramref name="text"/>.</summary>
    /// <param name="text">Frame text.</param>
    /// <returns>The bytes.</returns>
    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
