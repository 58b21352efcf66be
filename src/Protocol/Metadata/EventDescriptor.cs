using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Switchboard.Protocol.Codec;

namespace Switchboard.Protocol;

/// <summary>Reads an event payload; generated per event.</summary>
internal delegate bool EventPayloadReader(ref Utf8JsonReader reader, [NotNullWhen(true)] out IServerEvent? value, ref ReadError error);

/// <summary>Facts about one event, generated from the spec (see <see cref="EventMetadata"/>).</summary>
public sealed class EventDescriptor
{
    internal EventDescriptor(string name, Type payloadType, DeliveryClass delivery, string[] requirements, string? summary, EventPayloadReader reader)
    {
        Name = name;
        PayloadType = payloadType;
        Delivery = delivery;
        Requirements = requirements;
        Summary = summary;
        Reader = reader;
    }

    /// <summary>The wire name, e.g. <c>NEW_MESSAGE</c>.</summary>
    public string Name { get; }

    /// <summary>The generated payload type, e.g. <see cref="Type"/> of <c>NewMessageEvent</c>.</summary>
    public Type PayloadType { get; }

    /// <summary>Delivery class (<c>x-delivery</c>): durable events carry an envelope <c>seq</c>.</summary>
    public DeliveryClass Delivery { get; }

    /// <summary>Requirement ids (<c>x-requirements</c>).</summary>
    public IReadOnlyList<string> Requirements { get; }

    /// <summary>One-line summary from the spec.</summary>
    public string? Summary { get; }

    internal EventPayloadReader Reader { get; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
