using Switchboard.Protocol;
using Switchboard.Server.Messaging;

namespace Switchboard.Server.Redis.Presence;

/// <summary>A user identity as stored in Redis: <c>id \x1f name \x1f role</c> (ids and roles never contain \x1f).</summary>
internal static class IdentityCodec
{
    public const char Separator = '\u001f';

    public static string Encode(UserIdentity user) => user.Id + Separator + user.Name + Separator + user.Role;

    public static UserIdentity Decode(string text)
    {
        var first = text.IndexOf(Separator, StringComparison.Ordinal);
        var last = text.LastIndexOf(Separator);
        return first < 0 || last <= first
            ? new UserIdentity(text, text, Roles.User)
            : new UserIdentity(text[..first], text[(first + 1)..last], text[(last + 1)..]);
    }
}
