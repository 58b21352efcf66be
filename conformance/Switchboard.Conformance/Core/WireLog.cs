namespace Switchboard.Conformance.Core;

/// <summary>Direction / kind of a wire log entry.</summary>
public enum WireDirection
{
    /// <summary>A WebSocket upgrade request was made.</summary>
    Open,

    /// <summary>Client sent a text frame.</summary>
    SendText,

    /// <summary>Client sent a binary frame.</summary>
    SendBinary,

    /// <summary>Client received a text frame.</summary>
    ReceiveText,

    /// <summary>Client received a binary frame.</summary>
    ReceiveBinary,

    /// <summary>A close frame (or connection loss) was observed.</summary>
    Close,

    /// <summary>An HTTP request to the backend API.</summary>
    HttpRequest,

    /// <summary>An HTTP response from the backend API.</summary>
    HttpResponse,

    /// <summary>A note from the suite itself (e.g. an upgrade failure).</summary>
    Note,
}

/// <summary>One line of a wire log.</summary>
/// <param name="Connection">Connection label (<c>alice#1</c>) or <c>http</c>.</param>
/// <param name="Direction">What happened.</param>
/// <param name="OffsetMs">Milliseconds since the case started.</param>
/// <param name="Text">Frame text (binary frames as hex, truncated), URL, or note.</param>
public sealed record WireLogEntry(string Connection, WireDirection Direction, double OffsetMs, string Text);

/// <summary>Thread-safe recorder of every frame sent and received and every HTTP exchange during a case.</summary>
public sealed class WireLog
{
    /// <summary>Frames longer than this are truncated in the log (the frame itself is unaffected).</summary>
    public const int MaxTextLength = 4096;

    private readonly List<WireLogEntry> _entries = [];
    private readonly Lock _gate = new();
    private readonly long _start;
    private readonly TimeProvider _time;

    /// <summary>Creates a log whose offsets are measured from now.</summary>
    public WireLog(TimeProvider time)
    {
        _time = time;
        _start = time.GetTimestamp();
    }

    /// <summary>Number of entries.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Appends an entry.</summary>
    public void Add(string connection, WireDirection direction, string text)
    {
        if (text.Length > MaxTextLength)
        {
            text = string.Concat(text.AsSpan(0, MaxTextLength), $"...(+{text.Length - MaxTextLength} chars)");
        }

        var offset = _time.GetElapsedTime(_start).TotalMilliseconds;
        lock (_gate)
        {
            _entries.Add(new WireLogEntry(connection, direction, Math.Round(offset, 1), text));
        }
    }

    /// <summary>A copy of the entries so far.</summary>
    public IReadOnlyList<WireLogEntry> Snapshot()
    {
        lock (_gate)
        {
            return [.. _entries];
        }
    }

    /// <summary>Renders the log as text lines (for reports and test output).</summary>
    public static string Format(IEnumerable<WireLogEntry> entries)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var e in entries)
        {
            var arrow = e.Direction switch
            {
                WireDirection.SendText or WireDirection.SendBinary or WireDirection.HttpRequest => "->",
                WireDirection.ReceiveText or WireDirection.ReceiveBinary or WireDirection.HttpResponse => "<-",
                WireDirection.Open => "==",
                WireDirection.Close => "xx",
                _ => "..",
            };
            sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"{e.OffsetMs,9:F1}ms {e.Connection,-14} {arrow} ");
            if (e.Direction == WireDirection.SendBinary || e.Direction == WireDirection.ReceiveBinary)
            {
                sb.Append("[binary] ");
            }

            sb.AppendLine(e.Text);
        }

        return sb.ToString();
    }

    internal static string Hex(ReadOnlySpan<byte> bytes)
    {
        var shown = bytes.Length > 64 ? bytes[..64] : bytes;
        var hex = Convert.ToHexString(shown);
        return bytes.Length > 64 ? $"{hex}...({bytes.Length} bytes)" : hex;
    }
}
