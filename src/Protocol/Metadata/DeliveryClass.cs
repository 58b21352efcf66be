namespace Switchboard.Protocol;

/// <summary>How an event is delivered (<c>x-delivery</c> in the spec).</summary>
public enum DeliveryClass
{
    /// <summary>Stored in the recipient's durable stream, carries an envelope <c>seq</c>, replayed on resume and offline delivery.</summary>
    Durable,

    /// <summary>Sent to connections that are online right now; never stored or replayed.</summary>
    Live,

    /// <summary>The direct reply to a command (carries the command's <c>cid</c> when it had one).</summary>
    Reply,

    /// <summary>Stored once per room with a <c>room_seq</c> and replayed on JOIN_ROOM with <c>since</c>.</summary>
    Room,
}
