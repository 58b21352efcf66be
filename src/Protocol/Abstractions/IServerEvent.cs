namespace Switchboard.Protocol;

/// <summary>
/// The payload (<c>response</c>) of a server-to-client envelope. Every generated <c>XxxEvent</c> type implements it.
/// </summary>
public interface IServerEvent
{
    /// <summary>The wire name carried in the envelope's <c>event</c> property, e.g. <c>NEW_MESSAGE</c>.</summary>
    string EventName { get; }
}
