using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Switchboard.Protocol.Codec;

/// <summary>Reads one property value (a generated <c>TryReadXxxValue</c>; static, so its delegate is cached and free).</summary>
internal delegate bool WireValueReader<T>(ref Utf8JsonReader reader, out T value, ref ReadError error);

/// <summary>Primitive readers and constraint checks used by the generated payload readers.</summary>
internal static class WireRead
{
    /// <summary>
    /// Reads the value of the property the reader is on (its PropertyName token) with <paramref name="read"/>, the one
    /// step every generated <c>TryReadJson</c> takes per known property:
    /// <list type="bullet">
    /// <item>null is treated as absent (SB-ENV-010): <paramref name="value"/> is reset and <paramref name="bit"/> cleared
    /// in <paramref name="seen"/>, unless the schema allows null (<paramref name="nullIsPresent"/>);</item>
    /// <item>a good value is stored and marks <paramref name="bit"/> seen (0 for optional properties);</item>
    /// <item>a bad value is skipped and, if no property earlier in schema order failed yet (<paramref name="failedAt"/>),
    /// becomes the reported error at <paramref name="name"/> (PROTOCOL.md section 7, check 8).</item>
    /// </list>
    /// </summary>
    public static void Property<T>(ref Utf8JsonReader reader, WireValueReader<T> read, ref T value, ref ulong seen, ulong bit, bool nullIsPresent, int index, string name, ref int failedAt, ref ReadError error)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            value = default!;
            seen = nullIsPresent ? seen | bit : seen & ~bit;
            return;
        }

        var depth = reader.CurrentDepth;
        var e = default(ReadError);
        if (read(ref reader, out var v, ref e))
        {
            value = v;
            seen |= bit;
            return;
        }

        Failed(ref reader, depth, index, name, ref failedAt, ref error, ref e);
    }

    /// <summary><see cref="Property{T}"/> for a nullable value-type member (an optional or nullable number, enum, ...).</summary>
    public static void NullableProperty<T>(ref Utf8JsonReader reader, WireValueReader<T> read, ref T? value, ref ulong seen, ulong bit, bool nullIsPresent, int index, string name, ref int failedAt, ref ReadError error)
        where T : struct
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            value = null;
            seen = nullIsPresent ? seen | bit : seen & ~bit;
            return;
        }

        var depth = reader.CurrentDepth;
        var e = default(ReadError);
        if (read(ref reader, out var v, ref e))
        {
            value = v;
            seen |= bit;
            return;
        }

        Failed(ref reader, depth, index, name, ref failedAt, ref error, ref e);
    }

    private static void Failed(ref Utf8JsonReader reader, int depth, int index, string name, ref int failedAt, ref ReadError error, ref ReadError e)
    {
        SkipRest(ref reader, depth);
        if (index < failedAt)
        {
            failedAt = index;
            error = e;
            error.In(name);
        }
    }

    private const int MaxDateTimeBytes = 64;

    public static bool String(ref Utf8JsonReader reader, [NotNullWhen(true)] out string? value, ref ReadError error)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            try
            {
                value = reader.GetString()!;
            }
            catch (InvalidOperationException)
            {
                // SB-CODEC-018: System.Text.Json parses an escaped lone surrogate ("\ud800") but cannot decode it as
                // text; the value is then not a string of the schema's kind.
                value = null;
                return error.Fail(ErrorCode.InvalidField, "The string contains an escape that is not valid UTF-16 (a lone surrogate).");
            }

            return true;
        }

        value = null;
        return error.Fail(ErrorCode.InvalidField, $"Expected a string but found {Describe(reader.TokenType)}.");
    }

    public static bool Int64(ref Utf8JsonReader reader, out long value, ref ReadError error)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out value))
        {
            return true;
        }

        value = 0;
        return error.Fail(ErrorCode.InvalidField, reader.TokenType == JsonTokenType.Number
            ? "Expected an integer in the int64 range."
            : $"Expected an integer but found {Describe(reader.TokenType)}.");
    }

    public static bool Int32(ref Utf8JsonReader reader, out int value, ref ReadError error)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out value))
        {
            return true;
        }

        value = 0;
        return error.Fail(ErrorCode.InvalidField, reader.TokenType == JsonTokenType.Number
            ? "Expected an integer in the int32 range."
            : $"Expected an integer but found {Describe(reader.TokenType)}.");
    }

    public static bool Double(ref Utf8JsonReader reader, out double value, ref ReadError error)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out value))
        {
            return true;
        }

        value = 0;
        return error.Fail(ErrorCode.InvalidField, $"Expected a number but found {Describe(reader.TokenType)}.");
    }

    public static bool Boolean(ref Utf8JsonReader reader, out bool value, ref ReadError error)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.True:
                value = true;
                return true;
            case JsonTokenType.False:
                value = false;
                return true;
            default:
                value = false;
                return error.Fail(ErrorCode.InvalidField, $"Expected a boolean but found {Describe(reader.TokenType)}.");
        }
    }

    /// <summary>Reads an RFC 3339 timestamp; an explicit offset (<c>Z</c> or <c>+hh:mm</c>) is required.</summary>
    public static bool DateTime(ref Utf8JsonReader reader, out DateTimeOffset value, ref ReadError error)
    {
        value = default;
        if (reader.TokenType != JsonTokenType.String)
        {
            return error.Fail(ErrorCode.InvalidField, $"Expected an RFC 3339 date-time string but found {Describe(reader.TokenType)}.");
        }

        var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (length <= MaxDateTimeBytes)
        {
            Span<byte> buffer = stackalloc byte[MaxDateTimeBytes];
            var n = reader.CopyString(buffer);
            if (HasOffset(buffer[..n]) && reader.TryGetDateTimeOffset(out value))
            {
                return true;
            }
        }

        return error.Fail(ErrorCode.InvalidField, "Expected an RFC 3339 date-time with offset, e.g. 2026-11-23T05:30:00.123Z.");
    }

    private static bool HasOffset(ReadOnlySpan<byte> text)
    {
        if (text.Length < 11 || (text[10] != (byte)'T' && text[10] != (byte)'t'))
        {
            return false;
        }

        var last = text[^1];
        if (last is (byte)'Z' or (byte)'z')
        {
            return true;
        }

        return text.Length >= 6 && text[^6] is (byte)'+' or (byte)'-' && text[^3] == (byte)':';
    }

    public static bool StartObject(ref Utf8JsonReader reader, ref ReadError error) =>
        reader.TokenType == JsonTokenType.StartObject
        || error.Fail(ErrorCode.InvalidField, $"Expected an object but found {Describe(reader.TokenType)}.");

    public static bool StartArray(ref Utf8JsonReader reader, ref ReadError error) =>
        reader.TokenType == JsonTokenType.StartArray
        || error.Fail(ErrorCode.InvalidField, $"Expected an array but found {Describe(reader.TokenType)}.");

    public static bool Const(string value, string expected, ref ReadError error) =>
        string.Equals(value, expected, StringComparison.Ordinal)
        || error.Fail(ErrorCode.InvalidField, $"Expected the value '{expected}'.");

    public static bool MinLength(string value, long min, ref ReadError error) =>
        TextLength.IsWithin(value, min, long.MaxValue)
        || error.Fail(ErrorCode.InvalidField, $"Must be at least {min.ToString(CultureInfo.InvariantCulture)} characters long.");

    public static bool MaxLength(string value, long max, ref ReadError error) =>
        TextLength.IsWithin(value, 0, max)
        || error.Fail(ErrorCode.InvalidField, $"Must be at most {max.ToString(CultureInfo.InvariantCulture)} characters long.");

    public static bool Pattern(string value, Regex regex, string pattern, ref ReadError error) =>
        regex.IsMatch(value) || error.Fail(ErrorCode.InvalidField, $"Does not match the pattern {pattern}.");

    public static bool Minimum(long value, long min, ref ReadError error) =>
        value >= min || error.Fail(ErrorCode.InvalidField, $"Must be >= {min.ToString(CultureInfo.InvariantCulture)}.");

    public static bool Maximum(long value, long max, ref ReadError error) =>
        value <= max || error.Fail(ErrorCode.InvalidField, $"Must be <= {max.ToString(CultureInfo.InvariantCulture)}.");

    public static bool Minimum(double value, long min, ref ReadError error) =>
        value >= min || error.Fail(ErrorCode.InvalidField, $"Must be >= {min.ToString(CultureInfo.InvariantCulture)}.");

    public static bool Maximum(double value, long max, ref ReadError error) =>
        value <= max || error.Fail(ErrorCode.InvalidField, $"Must be <= {max.ToString(CultureInfo.InvariantCulture)}.");

    public static bool MinItems(int count, long min, ref ReadError error) =>
        count >= min || error.Fail(ErrorCode.InvalidField, $"Must have at least {min.ToString(CultureInfo.InvariantCulture)} items.");

    public static bool MaxItems(int count, long max, ref ReadError error) =>
        count <= max || error.Fail(ErrorCode.InvalidField, $"Must have at most {max.ToString(CultureInfo.InvariantCulture)} items.");

    public static bool Missing(string property, ref ReadError error)
    {
        error = default;
        error.Fail(ErrorCode.MissingField, $"Missing required property '{property}'.");
        return error.In(property);
    }

    /// <summary>
    /// After a failed value read, moves the reader to the last token of that value (the value token itself, or the
    /// EndObject/EndArray of a container at <paramref name="depth"/>), so the enclosing object can be read on.
    /// </summary>
    public static void SkipRest(ref Utf8JsonReader reader, int depth)
    {
        if (reader.CurrentDepth == depth)
        {
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }

            return;
        }

        while (reader.CurrentDepth > depth && reader.Read())
        {
        }
    }

    public static bool UnknownEnumValue(ref Utf8JsonReader reader, string allowed, ref ReadError error) =>
        error.Fail(ErrorCode.InvalidField, reader.TokenType == JsonTokenType.String
            ? $"Unknown value; expected one of: {allowed}."
            : $"Expected a string but found {Describe(reader.TokenType)}.");

    /// <summary>Number of Unicode code points (what JSON Schema's minLength/maxLength count); see <see cref="TextLength"/>.</summary>
    public static int CodePoints(string value) => TextLength.Count(value);

    public static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        _ => token.ToString(),
    };
}
