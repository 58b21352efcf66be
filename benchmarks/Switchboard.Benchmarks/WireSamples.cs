using Switchboard.Protocol;

namespace Switchboard.Benchmarks;

/// <summary>Payload sizes of the envelope benchmarks.</summary>
public enum PayloadSize
{
    /// <summary>A chat line: 16 characters.</summary>
    Small,

    /// <summary>A typical message: 256 characters.</summary>
    Typical,

    /// <summary>A large message: 16 KiB.</summary>
    Large,
}

/// <summary>Builds equivalent Switchboard events and SignalR arguments for the benchmarks.</summary>
internal static class WireSamples
{
    public static readonly DateTimeOffset At = new(2026, 11, 23, 5, 30, 0, 123, TimeSpan.Zero);

    public static int Length(PayloadSize size) => size switch
    {
        PayloadSize.Small => 16,
        PayloadSize.Typical => 256,
        _ => 16 * 1024,
    };

    /// <summary>Text with a realistic mix (letters, spaces, punctuation that JSON leaves unescaped).</summary>
    public static string Text(int length)
    {
        const string Sample = "Hello, could you check my order #4711 - it has not arrived yet. Thanks! ";
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = Sample[i % Sample.Length];
        }

        return new string(chars);
    }

    public static NewMessageEvent NewMessage(string data) => new()
    {
        MessageId = "01JDC3ZQ8Y5K6W2V9N4R7T1M0A",
        ConversationId = "conv-01JDC3ZP1X",
        User = new UserRef { Id = "visitor-42", Name = "Visitor 42", Role = Role.Visitor },
        Data = data,
        At = At,
    };

    public static RoomMessageEvent RoomMessage(string data, long seq) => new()
    {
        MessageId = "01JDC3ZQ8Y5K6W2V9N4R7T1M0A",
        Room = "lobby",
        RoomSeq = seq,
        User = new UserRef { Id = "alice", Name = "Alice", Role = Role.User },
        Data = data,
        At = At,
    };

    public static SignalRNewMessage SignalRNewMessage(string data) => new(
        "01JDC3ZQ8Y5K6W2V9N4R7T1M0A",
        "conv-01JDC3ZP1X",
        new SignalRUser("visitor-42", "Visitor 42", "visitor"),
        data,
        At);
}

/// <summary>The SignalR application's equivalent of NEW_MESSAGE's payload (a plain record, as a hub would send it).</summary>
/// <param name="MessageId">Message id.</param>
/// <param name="ConversationId">Conversation id.</param>
/// <param name="User">Sender.</param>
/// <param name="Data">Body.</param>
/// <param name="At">Server time.</param>
public sealed record SignalRNewMessage(string MessageId, string ConversationId, SignalRUser User, string Data, DateTimeOffset At);

/// <summary>The SignalR application's user reference.</summary>
/// <param name="Id">User id.</param>
/// <param name="Name">Display name.</param>
/// <param name="Role">Role.</param>
public sealed record SignalRUser(string Id, string Name, string Role);
