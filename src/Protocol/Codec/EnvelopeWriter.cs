using System.Diagnostics.CodeAnalysis;
using System.Buffers;
using System.Text.Json;

namespace Switchboard.Protocol.Codec;

/// <summary>
/// Writes envelopes with <see cref="Utf8JsonWriter"/> and the generated payload writers: compact JSON, properties in
/// the spec's order (<c>event, cid, seq, response</c> / <c>command, cid, request</c>, payload properties in schema
/// order, absent optional properties omitted), timestamps as <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>, non-ASCII text
/// unescaped (UTF-8). Writing allocates nothing: property names are pre-encoded and the <see cref="Utf8JsonWriter"/>
/// is cached per thread.
/// </summary>
public static class EnvelopeWriter
{
    private static readonly JsonEncodedText s_event = JsonEncodedText.Encode("event");
    private static readonly JsonEncodedText s_command = JsonEncodedText.Encode("command");
    private static readonly JsonEncodedText s_cid = JsonEncodedText.Encode("cid");
    private static readonly JsonEncodedText s_seq = JsonEncodedText.Encode("seq");
    private static readonly JsonEncodedText s_request = JsonEncodedText.Encode("request");
    private static readonly JsonEncodedText s_response = JsonEncodedText.Encode("response");

    /// <summary>Writer options used for every envelope.</summary>
    internal static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = false,
        // Only what JSON requires is escaped; non-ASCII text stays UTF-8 (smaller frames, byte-exact vectors).
        Encoder = MinimalJsonEncoder.Instance,
        SkipValidation = true,
    };

    private const int MaxRetainedBufferBytes = 256 * 1024;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    /// <summary>Writes <c>{"event":...,"cid":...,"seq":...,"response":{...}}</c> into <paramref name="output"/>.</summary>
    /// <param name="output">Destination, e.g. a <c>PipeWriter</c> or <see cref="ArrayBufferWriter{T}"/>.</param>
    /// <param name="response">A generated event payload (e.g. <see cref="NewMessageEvent"/>).</param>
    /// <param name="cid">The cid of the command this event directly answers, if any.</param>
    /// <param name="seq">The position in the recipient's durable stream, for durable events.</param>
    /// <exception cref="ArgumentException"><paramref name="response"/> is not a generated Switchboard payload type.</exception>
    public static void WriteEvent(IBufferWriter<byte> output, IServerEvent response, string? cid = null, long? seq = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        var payload = AsPayload(response);
        var writer = Rent(output);
        try
        {
            writer.WriteStartObject();
            writer.WriteString(s_event, payload.EncodedName);
            if (cid is not null)
            {
                writer.WriteString(s_cid, cid);
            }

            if (seq is { } s)
            {
                writer.WriteNumber(s_seq, s);
            }

            writer.WritePropertyName(s_response);
            payload.WriteJson(writer);
            writer.WriteEndObject();
            writer.Flush();
        }
        finally
        {
            Return(writer);
        }
    }

    /// <summary>Writes <c>{"command":...,"cid":...,"request":{...}}</c> into <paramref name="output"/>.</summary>
    /// <param name="output">Destination buffer.</param>
    /// <param name="request">A generated command payload (e.g. <see cref="SendPrivateMessageCommand"/>).</param>
    /// <param name="cid">Correlation id (1-64 characters); the server replies only to commands that carry one.</param>
    /// <exception cref="ArgumentException"><paramref name="request"/> is not a generated Switchboard payload type.</exception>
    public static void WriteCommand(IBufferWriter<byte> output, IClientCommand request, string? cid = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        var payload = AsPayload(request);
        var writer = Rent(output);
        try
        {
            writer.WriteStartObject();
            writer.WriteString(s_command, payload.EncodedName);
            if (cid is not null)
            {
                writer.WriteString(s_cid, cid);
            }

            writer.WritePropertyName(s_request);
            payload.WriteJson(writer);
            writer.WriteEndObject();
            writer.Flush();
        }
        finally
        {
            Return(writer);
        }
    }

    /// <summary>
    /// Serializes an event envelope once into a new array, so a broadcast can send the same bytes to every recipient
    /// (the only allocation is the returned array).
    /// </summary>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "v1 surface as shipped; the overloads differ in a required first parameter, so a call is never ambiguous.")]
    public static byte[] Serialize(IServerEvent response, string? cid = null, long? seq = null)
    {
        var buffer = RentBuffer();
        try
        {
            WriteEvent(buffer, response, cid, seq);
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            ReturnBuffer(buffer);
        }
    }

    /// <summary>Serializes a command envelope into a new array.</summary>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "v1 surface as shipped; the overloads differ in a required first parameter, so a call is never ambiguous.")]
    public static byte[] Serialize(IClientCommand request, string? cid = null)
    {
        var buffer = RentBuffer();
        try
        {
            WriteCommand(buffer, request, cid);
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            ReturnBuffer(buffer);
        }
    }

    /// <summary>Writes only the payload object of an event or command (no envelope), e.g. for logging or HTTP bodies.</summary>
    /// <exception cref="ArgumentException"><paramref name="payload"/> is not a generated Switchboard payload type.</exception>
    public static void WritePayload(IBufferWriter<byte> output, object payload)
    {
        ArgumentNullException.ThrowIfNull(output);
        var wire = payload as IWirePayload ?? throw NotGenerated(payload);
        var writer = Rent(output);
        try
        {
            wire.WriteJson(writer);
            writer.Flush();
        }
        finally
        {
            Return(writer);
        }
    }

    private static IWirePayload AsPayload(object payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return payload as IWirePayload ?? throw NotGenerated(payload);
    }

    private static ArgumentException NotGenerated(object? payload) =>
        new($"'{payload?.GetType().FullName}' is not a generated Switchboard payload type.", nameof(payload));

    private static Utf8JsonWriter Rent(IBufferWriter<byte> output)
    {
        var writer = t_writer;
        if (writer is null)
        {
            return new Utf8JsonWriter(output, WriterOptions);
        }

        t_writer = null; // re-entrant use on this thread gets a fresh writer
        writer.Reset(output);
        return writer;
    }

    private static void Return(Utf8JsonWriter writer)
    {
        // Drop the reference to the caller's buffer.
        writer.Reset(NullBufferWriter.Instance);
        t_writer = writer;
    }

    private static ArrayBufferWriter<byte> RentBuffer()
    {
        var buffer = t_buffer ?? new ArrayBufferWriter<byte>(1024);
        t_buffer = null;
        buffer.ResetWrittenCount();
        return buffer;
    }

    private static void ReturnBuffer(ArrayBufferWriter<byte> buffer)
    {
        if (buffer.Capacity <= MaxRetainedBufferBytes)
        {
            buffer.ResetWrittenCount();
            t_buffer = buffer;
        }
    }

    private sealed class NullBufferWriter : IBufferWriter<byte>
    {
        public static readonly NullBufferWriter Instance = new();

        public void Advance(int count) => throw new InvalidOperationException();

        public Memory<byte> GetMemory(int sizeHint = 0) => throw new InvalidOperationException();

        public Span<byte> GetSpan(int sizeHint = 0) => throw new InvalidOperationException();
    }
}
