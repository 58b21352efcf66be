using System.Buffers;
using Switchboard.Protocol;
using Switchboard.Protocol.Codec;

namespace Switchboard.Server.Messaging;

/// <summary>
/// Serializes server envelopes to the exact UTF-8 bytes of one text frame. Serialize a broadcast once and pass the
/// same array to every <see cref="IConnection.TrySend"/>.
/// </summary>
public static class EventFrames
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    /// <summary>Writes <c>{"event":..,"cid":..,"seq":..,"response":{..}}</c> and returns a new array with the bytes.</summary>
    public static byte[] Serialize(IServerEvent ev, string? cid = null, long? seq = null)
    {
        ArgumentNullException.ThrowIfNull(ev);
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        EnvelopeWriter.WriteEvent(buffer, ev, cid, seq);
        var bytes = buffer.WrittenSpan.ToArray();
        if (buffer.Capacity > 256 * 1024)
        {
            t_buffer = null; // do not keep huge buffers per thread
        }

        return bytes;
    }
}

/// <summary>Conversions between core identities and the generated wire types.</summary>
public static class UserRefs
{
    /// <summary>The wire <c>UserRef</c> of a user.</summary>
    public static UserRef From(UserIdentity user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new UserRef { Id = user.Id, Name = user.Name, Role = ToRole(user.Role) };
    }

    /// <summary>The wire <c>OnlineUser</c> of an online user.</summary>
    public static OnlineUser ToOnlineUser(OnlineUserInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return new OnlineUser { Id = info.User.Id, Name = info.User.Name, Role = ToRole(info.User.Role), Connections = info.Connections };
    }

    /// <summary>Maps a role string (<see cref="Roles"/>) to the generated enum.</summary>
    public static Role ToRole(string role) => role switch
    {
        Roles.Visitor => Role.Visitor,
        Roles.Agent => Role.Agent,
        Roles.Admin => Role.Admin,
        _ => Role.User,
    };

    /// <summary>Maps a namespace string to the generated enum.</summary>
    public static Namespace ToNamespace(string ns) => ns == Namespaces.App ? Namespace.App : Namespace.Web;

    /// <summary>Maps the generated namespace enum to its wire string.</summary>
    public static string FromNamespace(Namespace ns) => ns == Namespace.App ? Namespaces.App : Namespaces.Web;
}
