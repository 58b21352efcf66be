using System.Text.Json;

namespace Switchboard.Protocol.Codec;

/// <summary>Implemented (explicitly) by every generated event and command payload; lets the codec write any payload without reflection.</summary>
internal interface IWirePayload
{
    /// <summary>The pre-encoded wire name (<c>event</c> / <c>command</c> value).</summary>
    JsonEncodedText EncodedName { get; }

    /// <summary>Writes the payload object.</summary>
    void WriteJson(Utf8JsonWriter writer);
}
