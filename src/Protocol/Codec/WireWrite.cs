using System.Text.Json;

namespace Switchboard.Protocol.Codec;

/// <summary>Writers for wire formats System.Text.Json does not produce by itself.</summary>
internal static class WireWrite
{
    /// <summary>Length of <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>.</summary>
    public const int DateTimeLength = 24;

    public static void DateTime(Utf8JsonWriter writer, JsonEncodedText name, DateTimeOffset value)
    {
        Span<byte> buffer = stackalloc byte[DateTimeLength];
        FormatDateTime(value, buffer);
        writer.WriteString(name, buffer);
    }

    public static void DateTimeValue(Utf8JsonWriter writer, DateTimeOffset value)
    {
        Span<byte> buffer = stackalloc byte[DateTimeLength];
        FormatDateTime(value, buffer);
        writer.WriteStringValue(buffer);
    }

    /// <summary>Formats as UTC with milliseconds: <c>2026-11-23T05:30:00.123Z</c> (sub-millisecond digits are truncated).</summary>
    public static void FormatDateTime(DateTimeOffset value, Span<byte> destination)
    {
        var utc = value.UtcDateTime;
        Digits(destination[..4], utc.Year);
        destination[4] = (byte)'-';
        Digits(destination.Slice(5, 2), utc.Month);
        destination[7] = (byte)'-';
        Digits(destination.Slice(8, 2), utc.Day);
        destination[10] = (byte)'T';
        Digits(destination.Slice(11, 2), utc.Hour);
        destination[13] = (byte)':';
        Digits(destination.Slice(14, 2), utc.Minute);
        destination[16] = (byte)':';
        Digits(destination.Slice(17, 2), utc.Second);
        destination[19] = (byte)'.';
        Digits(destination.Slice(20, 3), utc.Millisecond);
        destination[23] = (byte)'Z';
    }

    private static void Digits(Span<byte> destination, int value)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }
}
