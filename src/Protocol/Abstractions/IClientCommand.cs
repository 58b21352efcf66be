namespace Switchboard.Protocol;

/// <summary>
/// The payload (<c>request</c>) of a client-to-server envelope. Every generated <c>XxxCommand</c> type implements it.
/// </summary>
public interface IClientCommand
{
    /// <summary>The wire name carried in the envelope's <c>command</c> property, e.g. <c>SEND_MESSAGE</c>.</summary>
    string CommandName { get; }
}
