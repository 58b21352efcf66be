using System.Buffers;
using System.Text.Json;

namespace Switchboard.Protocol.Codec;

/// <summary>
/// Decodes envelopes from UTF-8 frames with <see cref="Utf8JsonReader"/> and the generated payload readers.
/// Bad input never throws: it yields a <see cref="ProtocolError"/> with the code, message and JSONPath the spec
/// prescribes (PROTOCOL.md section 7). Checks run in the spec's order: size (1006), UTF-8 (1002), JSON syntax (1001),
/// envelope shape (1008 / 1004 <c>$.command</c> / 1005 <c>$.cid</c>), known name (1003), role (2004, when a role is
/// given), payload fields (1004 / 1005). Envelope properties may come in any order; unknown properties are skipped.
/// </summary>
public static class EnvelopeReader
{
    private static readonly JsonEncodedText s_command = JsonEncodedText.Encode("command");
    private static readonly JsonEncodedText s_event = JsonEncodedText.Encode("event");
    private static readonly JsonEncodedText s_cid = JsonEncodedText.Encode("cid");
    private static readonly JsonEncodedText s_seq = JsonEncodedText.Encode("seq");
    private static readonly JsonEncodedText s_request = JsonEncodedText.Encode("request");
    private static readonly JsonEncodedText s_response = JsonEncodedText.Encode("response");

    private const int MaxCidLength = 64;
    private const int MaxNameBytes = 128;

    // ------------------------------------------------------------------ commands

    /// <summary>Reads a client-to-server envelope with <see cref="CodecLimits.Default"/>.</summary>
    /// <returns><see langword="true"/> on success; otherwise <paramref name="error"/> says why and <paramref name="envelope"/> holds what could be read.</returns>
    public static bool TryReadCommand(in ReadOnlySequence<byte> input, out ClientEnvelope envelope, out ProtocolError error) =>
        TryReadCommand(input, CodecLimits.Default, null, out envelope, out error);

    /// <summary>
    /// Reads a client-to-server envelope. When <paramref name="role"/> is given (wire string, e.g. <c>agent</c>) and the
    /// command is not allowed for it, yields <see cref="ErrorCode.Forbidden"/> before any payload error (check 7 of 9).
    /// </summary>
    /// <returns><see langword="true"/> on success; otherwise <paramref name="error"/> says why and <paramref name="envelope"/> holds what could be read.</returns>
    public static bool TryReadCommand(in ReadOnlySequence<byte> input, CodecLimits limits, string? role, out ClientEnvelope envelope, out ProtocolError error)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (!CheckFrame(input, limits, out error))
        {
            envelope = default;
            return false;
        }

        var reader = new Utf8JsonReader(input, Options(limits));
        return ReadCommand(ref reader, role, out envelope, out error);
    }

    /// <summary>Reads a client-to-server envelope with <see cref="CodecLimits.Default"/>.</summary>
    /// <returns><see langword="true"/> on success; otherwise <paramref name="error"/> says why and <paramref name="envelope"/> holds what could be read.</returns>
    public static bool TryReadCommand(ReadOnlySpan<byte> input, out ClientEnvelope envelope, out ProtocolError error) =>
        TryReadCommand(input, CodecLimits.Default, null, out envelope, out error);

    /// <summary>Reads a client-to-server envelope; see the <see cref="ReadOnlySequence{T}"/> overload.</summary>
    /// <returns><see langword="true"/> on success; otherwise <paramref name="error"/> says why and <paramref name="envelope"/> holds what could be read.</returns>
    public static bool TryReadCommand(ReadOnlySpan<byte> input, CodecLimits limits, string? role, out ClientEnvelope envelope, out ProtocolError error)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (!CheckFrame(input, limits, out error))
        {
            envelope = default;
            return false;
        }

        var reader = new Utf8JsonReader(input, Options(limits));
        return ReadCommand(ref reader, role, out envelope, out error);
    }

    /// <summary>Reads a client-to-server envelope or throws.</summary>
    /// <exception cref="SwitchboardException">The frame is not a valid command envelope.</exception>
    public static ClientEnvelope ReadCommand(ReadOnlySpan<byte> input) =>
        TryReadCommand(input, out var envelope, out var error) ? envelope : throw error.ToException();

    // ------------------------------------------------------------------ events

    /// <summary>Reads a server-to-client envelope with <see cref="CodecLimits.Default"/>.</summary>
    /// <returns><see langword="true"/> on success; otherwise <paramref name="error"/> says why and <paramref name="envelope"/> holds what could be read.</returns>
    public static bool TryReadEvent(in ReadOnlySequence<byte> input, out ServerEnvelope envelope, out ProtocolError error) =>
        TryReadEvent(input, CodecLimits.Default, out envelope, out error);

    /// <summary>Reads a server-to-client envelope. An event name this version does not know yields <see cref="ErrorCode.UnknownCommand"/>, which clients ignore (SB-ENV-011).</summary>
    /// <returns><see langword="true"/> on success; otherwise <paramref name="error"/> says why and <paramref name="envelope"/> holds what could be read.</returns>
    public static bool TryReadEvent(in ReadOnlySequence<byte> input, CodecLimits limits, out ServerEnvelope envelope, out ProtocolError error)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (!CheckFrame(input, limits, out error))
        {
            envelope = default;
            return false;
        }

        var reader = new Utf8JsonReader(input, Options(limits));
        return ReadEvent(ref reader, out envelope, out error);
    }

    /// <summary>Reads a server-to-client envelope with <see cref="CodecLimits.Default"/>.</summary>
    /// <returns><see langword="true"/> on success; otherwise <paramref name="error"/> says why and <paramref name="envelope"/> holds what could be read.</returns>
    public static bool TryReadEvent(ReadOnlySpan<byte> input, out ServerEnvelope envelope, out ProtocolError error) =>
        TryReadEvent(input, CodecLimits.Default, out envelope, out error);

    /// <summary>Reads a server-to-client envelope; see the <see cref="ReadOnlySequence{T}"/> overload.</summary>
    /// <returns><see langword="true"/> on success; otherwise <paramref name="error"/> says why and <paramref name="envelope"/> holds what could be read.</returns>
    public static bool TryReadEvent(ReadOnlySpan<byte> input, CodecLimits limits, out ServerEnvelope envelope, out ProtocolError error)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (!CheckFrame(input, limits, out error))
        {
            envelope = default;
            return false;
        }

        var reader = new Utf8JsonReader(input, Options(limits));
        return ReadEvent(ref reader, out envelope, out error);
    }

    /// <summary>Reads a server-to-client envelope or throws.</summary>
    /// <exception cref="SwitchboardException">The frame is not a valid event envelope.</exception>
    public static ServerEnvelope ReadEvent(ReadOnlySpan<byte> input) =>
        TryReadEvent(input, out var envelope, out var error) ? envelope : throw error.ToException();

    // ------------------------------------------------------------------ implementation

    private static JsonReaderOptions Options(CodecLimits limits) => new()
    {
        // The envelope object and the payload object add two levels above the payload's contents.
        MaxDepth = limits.MaxDepth + 2,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    private static bool CheckFrame(in ReadOnlySequence<byte> input, CodecLimits limits, out ProtocolError error)
    {
        if (input.Length > limits.MaxMessageBytes)
        {
            error = TooLarge(input.Length, limits);
            return false;
        }

        if (!Utf8Validation.IsValid(input))
        {
            error = new ProtocolError(ErrorCode.InvalidUtf8, "The frame is not valid UTF-8.");
            return false;
        }

        error = default;
        return true;
    }

    private static bool CheckFrame(ReadOnlySpan<byte> input, CodecLimits limits, out ProtocolError error)
    {
        if (input.Length > limits.MaxMessageBytes)
        {
            error = TooLarge(input.Length, limits);
            return false;
        }

        if (!System.Text.Unicode.Utf8.IsValid(input))
        {
            error = new ProtocolError(ErrorCode.InvalidUtf8, "The frame is not valid UTF-8.");
            return false;
        }

        error = default;
        return true;
    }

    private static ProtocolError TooLarge(long length, CodecLimits limits) =>
        new(ErrorCode.MessageTooLarge, $"The frame is {length} bytes; the limit is {limits.MaxMessageBytes} bytes.");

    private static ProtocolError Malformed(Exception ex) => new(ErrorCode.MalformedJson, "Malformed JSON: " + ex.Message);

    private static bool ReadCommand(ref Utf8JsonReader reader, string? role, out ClientEnvelope envelope, out ProtocolError error)
    {
        try
        {
            return ReadCommandCore(ref reader, role, out envelope, out error);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            envelope = default;
            error = Malformed(ex);
            return false;
        }
    }

    private static bool ReadCommandCore(ref Utf8JsonReader reader, string? role, out ClientEnvelope envelope, out ProtocolError error)
    {
        envelope = default;
        if (!ReadRoot(ref reader, out error))
        {
            return false;
        }

        CommandDescriptor? descriptor = null;
        string? name = null;
        string? cid = null;
        IClientCommand? request = null;
        var payloadError = default(ReadError);
        bool nameSeen = false, nameNotString = false, duplicate = false, cidInvalid = false;
        bool requestSeen = false, requestNotObject = false, requestRead = false, requestFailed = false;
        Utf8JsonReader deferred = default;
        var hasDeferred = false;

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(s_command.EncodedUtf8Bytes))
            {
                duplicate |= nameSeen;
                nameSeen = true;
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    descriptor = FindCommand(ref reader);
                    var nameError = default(ReadError);
                    if (descriptor is not null)
                    {
                        name = descriptor.Name;
                    }
                    else if (WireRead.String(ref reader, out var unknown, ref nameError))
                    {
                        name = unknown;
                    }
                    else
                    {
                        // SB-CODEC-018: escapes that are not valid UTF-16 (a lone surrogate) are not a readable string.
                        nameNotString = true;
                    }
                }
                else
                {
                    nameNotString = true;
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals(s_cid.EncodedUtf8Bytes))
            {
                reader.Read();
                cidInvalid |= !ReadCid(ref reader, ref cid);
            }
            else if (reader.ValueTextEquals(s_request.EncodedUtf8Bytes))
            {
                duplicate |= requestSeen;
                requestSeen = true;
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                {
                    // "request": null is an absent request = {} (SB-ENV-008); decoded below like an absent one.
                }
                else if (reader.TokenType != JsonTokenType.StartObject)
                {
                    requestNotObject = true;
                    reader.Skip();
                }
                else if (descriptor is not null && !requestRead)
                {
                    // Common order (command first): decode in the same pass.
                    var payloadReader = reader;
                    if (descriptor.Reader(ref payloadReader, out request, ref payloadError))
                    {
                        reader = payloadReader;
                    }
                    else
                    {
                        requestFailed = true;
                        reader.Skip();
                    }

                    requestRead = true;
                }
                else
                {
                    // request before command: remember the position, validate syntax now, decode later.
                    deferred = reader;
                    hasDeferred = true;
                    reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        ReadEnd(ref reader);

        if (!nameSeen)
        {
            return Fail(out envelope, out error, new(null, cid, null, null), ErrorCode.MissingField, "Missing required property 'command'.", "$.command");
        }

        if (duplicate)
        {
            return Fail(out envelope, out error, new(name, cid, null, null), ErrorCode.InvalidEnvelope, "Duplicate envelope property ('command' or 'request').", "$");
        }

        if (nameNotString)
        {
            return Fail(out envelope, out error, new(null, cid, null, null), ErrorCode.InvalidEnvelope, "'command' must be a string.", "$.command");
        }

        if (requestNotObject)
        {
            return Fail(out envelope, out error, new(name, cid, null, descriptor), ErrorCode.InvalidEnvelope, "'request' must be an object.", "$.request");
        }

        if (cidInvalid)
        {
            return Fail(out envelope, out error, new(name, null, null, descriptor), ErrorCode.InvalidField, "'cid' must be a string of 1-64 characters.", "$.cid");
        }

        if (descriptor is null)
        {
            return Fail(out envelope, out error, new(name, cid, null, null), ErrorCode.UnknownCommand, $"Unknown command '{name}'.", "$.command");
        }

        if (role is not null && !descriptor.IsAllowedFor(role))
        {
            return Fail(out envelope, out error, new(name, cid, null, descriptor), ErrorCode.Forbidden, $"Role '{role}' may not send {descriptor.Name}.", null);
        }

        if (!requestRead)
        {
            if (hasDeferred)
            {
                requestFailed = !descriptor.Reader(ref deferred, out request, ref payloadError);
            }
            else
            {
                // Absent request = {} (SB-ENV-008).
                var empty = new Utf8JsonReader("{}"u8);
                empty.Read();
                requestFailed = !descriptor.Reader(ref empty, out request, ref payloadError);
            }
        }

        if (requestFailed || request is null)
        {
            return Fail(out envelope, out error, new(name, cid, null, descriptor), payloadError.Code, payloadError.Message ?? "Invalid request.", payloadError.BuildPath("$.request"));
        }

        envelope = new ClientEnvelope(descriptor.Name, cid, request, descriptor);
        error = default;
        return true;
    }

    private static bool ReadEvent(ref Utf8JsonReader reader, out ServerEnvelope envelope, out ProtocolError error)
    {
        try
        {
            return ReadEventCore(ref reader, out envelope, out error);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            envelope = default;
            error = Malformed(ex);
            return false;
        }
    }

    private static bool ReadEventCore(ref Utf8JsonReader reader, out ServerEnvelope envelope, out ProtocolError error)
    {
        envelope = default;
        if (!ReadRoot(ref reader, out error))
        {
            return false;
        }

        EventDescriptor? descriptor = null;
        string? name = null;
        string? cid = null;
        long? seq = null;
        IServerEvent? response = null;
        var payloadError = default(ReadError);
        bool nameSeen = false, nameNotString = false, duplicate = false, cidInvalid = false, seqInvalid = false;
        bool responseSeen = false, responseNotObject = false, responseRead = false, responseFailed = false;
        Utf8JsonReader deferred = default;
        var hasDeferred = false;

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(s_event.EncodedUtf8Bytes))
            {
                duplicate |= nameSeen;
                nameSeen = true;
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    descriptor = FindEvent(ref reader);
                    name = descriptor?.Name ?? reader.GetString();
                }
                else
                {
                    nameNotString = true;
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals(s_cid.EncodedUtf8Bytes))
            {
                reader.Read();
                cidInvalid |= !ReadCid(ref reader, ref cid);
            }
            else if (reader.ValueTextEquals(s_seq.EncodedUtf8Bytes))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var s) && s >= 1)
                {
                    seq = s;
                }
                else
                {
                    seqInvalid = true;
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals(s_response.EncodedUtf8Bytes))
            {
                duplicate |= responseSeen;
                responseSeen = true;
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    responseNotObject = true;
                    reader.Skip();
                }
                else if (descriptor is not null && !responseRead)
                {
                    var payloadReader = reader;
                    if (descriptor.Reader(ref payloadReader, out response, ref payloadError))
                    {
                        reader = payloadReader;
                    }
                    else
                    {
                        responseFailed = true;
                        reader.Skip();
                    }

                    responseRead = true;
                }
                else
                {
                    deferred = reader;
                    hasDeferred = true;
                    reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        ReadEnd(ref reader);

        if (!nameSeen)
        {
            return Fail(out envelope, out error, new(null, cid, seq, null, null), ErrorCode.MissingField, "Missing required property 'event'.", "$.event");
        }

        if (duplicate)
        {
            return Fail(out envelope, out error, new(name, cid, seq, null, null), ErrorCode.InvalidEnvelope, "Duplicate envelope property ('event' or 'response').", "$");
        }

        if (nameNotString)
        {
            return Fail(out envelope, out error, new(null, cid, seq, null, null), ErrorCode.InvalidEnvelope, "'event' must be a string.", "$.event");
        }

        if (responseNotObject)
        {
            return Fail(out envelope, out error, new(name, cid, seq, null, descriptor), ErrorCode.InvalidEnvelope, "'response' must be an object.", "$.response");
        }

        if (!responseSeen)
        {
            return Fail(out envelope, out error, new(name, cid, seq, null, descriptor), ErrorCode.MissingField, "Missing required property 'response'.", "$.response");
        }

        if (cidInvalid)
        {
            return Fail(out envelope, out error, new(name, null, seq, null, descriptor), ErrorCode.InvalidField, "'cid' must be a string of 1-64 characters.", "$.cid");
        }

        if (seqInvalid)
        {
            return Fail(out envelope, out error, new(name, cid, null, null, descriptor), ErrorCode.InvalidField, "'seq' must be an integer >= 1.", "$.seq");
        }

        if (descriptor is null)
        {
            return Fail(out envelope, out error, new(name, cid, seq, null, null), ErrorCode.UnknownCommand, $"Unknown event '{name}'.", "$.event");
        }

        if (!responseRead && hasDeferred)
        {
            responseFailed = !descriptor.Reader(ref deferred, out response, ref payloadError);
        }

        if (responseFailed || response is null)
        {
            return Fail(out envelope, out error, new(name, cid, seq, null, descriptor), payloadError.Code, payloadError.Message ?? "Invalid response.", payloadError.BuildPath("$.response"));
        }

        envelope = new ServerEnvelope(descriptor.Name, cid, seq, response, descriptor);
        error = default;
        return true;
    }

    /// <summary>Reads the root token; a non-object root is validated to the end (1001 wins over 1008).</summary>
    private static bool ReadRoot(ref Utf8JsonReader reader, out ProtocolError error)
    {
        if (!reader.Read())
        {
            error = new ProtocolError(ErrorCode.MalformedJson, "The frame is empty.");
            return false;
        }

        if (reader.TokenType == JsonTokenType.StartObject)
        {
            error = default;
            return true;
        }

        var root = reader.TokenType;
        reader.Skip();
        ReadEnd(ref reader);
        error = new ProtocolError(ErrorCode.InvalidEnvelope, $"The frame must be a JSON object, not {WireRead.Describe(root)}.", "$");
        return false;
    }

    /// <summary>After the root value only whitespace may follow (the reader throws on anything else).</summary>
    private static void ReadEnd(ref Utf8JsonReader reader)
    {
        if (reader.Read())
        {
            throw new JsonException("Unexpected content after the JSON object.");
        }
    }

    private static bool ReadCid(ref Utf8JsonReader reader, ref string? cid)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            var error = default(ReadError);
            if (!WireRead.String(ref reader, out var value, ref error))
            {
                return false;
            }

            var length = WireRead.CodePoints(value);
            if (length is >= 1 and <= MaxCidLength)
            {
                cid = value;
                return true;
            }

            return false;
        }

        reader.Skip();
        return false;
    }

    private static CommandDescriptor? FindCommand(ref Utf8JsonReader reader)
    {
        if (!reader.HasValueSequence && !reader.ValueIsEscaped)
        {
            return CommandMetadata.Find(reader.ValueSpan);
        }

        Span<byte> buffer = stackalloc byte[MaxNameBytes];
        return TryCopyName(ref reader, buffer, out var length) ? CommandMetadata.Find(buffer[..length]) : null;
    }

    private static EventDescriptor? FindEvent(ref Utf8JsonReader reader)
    {
        if (!reader.HasValueSequence && !reader.ValueIsEscaped)
        {
            return EventMetadata.Find(reader.ValueSpan);
        }

        Span<byte> buffer = stackalloc byte[MaxNameBytes];
        return TryCopyName(ref reader, buffer, out var length) ? EventMetadata.Find(buffer[..length]) : null;
    }

    private static bool TryCopyName(ref Utf8JsonReader reader, scoped Span<byte> buffer, out int length)
    {
        var raw = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (raw > buffer.Length)
        {
            length = 0;
            return false; // longer than any name: unknown
        }

        try
        {
            length = reader.CopyString(buffer);
            return true;
        }
        catch (InvalidOperationException)
        {
            // Escapes that are not valid UTF-16 (SB-CODEC-018): not the name of anything.
            length = 0;
            return false;
        }
    }

    private static bool Fail(out ClientEnvelope envelope, out ProtocolError error, ClientEnvelope partial, ErrorCode code, string message, string? path)
    {
        envelope = partial;
        error = new ProtocolError(code, message, path);
        return false;
    }

    private static bool Fail(out ServerEnvelope envelope, out ProtocolError error, ServerEnvelope partial, ErrorCode code, string message, string? path)
    {
        envelope = partial;
        error = new ProtocolError(code, message, path);
        return false;
    }
}
