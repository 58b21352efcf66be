using System.Text.Json;
using System.Text.Json.Serialization;

namespace Switchboard.Protocol.Codec;

/// <summary>
/// System.Text.Json converter for the Switchboard timestamp format: RFC 3339, UTC, milliseconds
/// (<c>2026-11-23T05:30:00.123Z</c>). Reading requires an explicit offset. Used by <see cref="SwitchboardJsonContext"/>.
/// </summary>
public sealed class UtcMillisecondsDateTimeOffsetConverter : JsonConverter<DateTimeOffset>
{
    /// <inheritdoc/>
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var error = default(ReadError);
        if (!WireRead.DateTime(ref reader, out var value, ref error))
        {
            throw new JsonException(error.Message);
        }

        return value;
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        WireWrite.DateTimeValue(writer, value);
    }
}
