namespace Switchboard.Protocol.Codec;

/// <summary>A decoded server-to-client envelope: <c>{"event":"NAME","cid":"c1","seq":42,"response":{...}}</c>.</summary>
/// <remarks>
/// When <see cref="EnvelopeReader.TryReadEvent(in System.Buffers.ReadOnlySequence{byte}, out ServerEnvelope, out ProtocolError)"/>
/// fails, the envelope still carries <see cref="Event"/> (when it was a string), <see cref="Cid"/> and <see cref="Seq"/>
/// when they were valid; <see cref="Response"/> is <see langword="null"/> then. A client ignores unknown events
/// (<see cref="ErrorCode.UnknownCommand"/> from the reader; SB-ENV-011).
/// </remarks>
public readonly struct ServerEnvelope
{
    /// <summary>Creates an envelope for <paramref name="response"/>.</summary>
    public ServerEnvelope(IServerEvent response, string? cid = null, long? seq = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        Event = response.EventName;
        Cid = cid;
        Seq = seq;
        Response = response;
        EventMetadata.TryGet(Event, out var descriptor);
        Descriptor = descriptor;
    }

    internal ServerEnvelope(string? name, string? cid, long? seq, IServerEvent? response, EventDescriptor? descriptor)
    {
        Event = name!;
        Cid = cid;
        Seq = seq;
        Response = response!;
        Descriptor = descriptor;
    }

    /// <summary>The wire name (<c>event</c>); <see langword="null"/> only after a failed read where it was absent or not a string.</summary>
    public string Event { get; }

    /// <summary>The correlation id of the command this event answers, if any.</summary>
    public string? Cid { get; }

    /// <summary>Position in the recipient's durable stream (durable events only).</summary>
    public long? Seq { get; }

    /// <summary>The decoded payload (<c>response</c>); <see langword="null"/> only after a failed read.</summary>
    public IServerEvent Response { get; }

    /// <summary>Spec facts about the event (delivery class); <see langword="null"/> when the event is unknown.</summary>
    public EventDescriptor? Descriptor { get; }
}
