using System.Collections.Frozen;
using Switchboard.Protocol;

namespace Switchboard.ReferenceServer.Messaging;

/// <summary>Role and error-reply rules per command (from the generated command metadata).</summary>
internal static class CommandRules
{
    // TEMPORARY table (contract) until the generated command metadata lands; then read it from Switchboard.Protocol.
    private static readonly FrozenDictionary<string, (string[] Roles, string ErrorReply)> Table = new Dictionary<string, (string[], string)>
    {
        ["SEND_ROOM_MESSAGE"] = ([], "SEND_MESSAGE_ERROR"),
        ["SEND_GROUP_MESSAGE"] = ([], "SEND_MESSAGE_ERROR"),
        ["SEND_PRIVATE_MESSAGE"] = ([], "SEND_MESSAGE_ERROR"),
        ["REQUEST_SERVICE"] = (["visitor"], "ERROR"),
        ["GRAB"] = (["agent"], "ERROR"),
        ["OPEN_CONVERSATION"] = (["agent"], "ERROR"),
        ["SEND_MESSAGE"] = (["visitor", "agent"], "SEND_MESSAGE_ERROR"),
        ["CLOSE_CONVERSATION"] = (["visitor", "agent"], "ERROR"),
        ["REQUEST_TRANSFER"] = (["agent"], "TRANSFER_ERROR"),
        ["ACCEPT_TRANSFER"] = (["agent"], "ERROR"),
        ["REFUSE_TRANSFER"] = (["agent"], "ERROR"),
        ["GET_DAY_ACCESS"] = (["agent", "admin"], "ERROR"),
        ["CREATE_WORK_ORDER"] = (["agent", "admin"], "ERROR"),
        ["UPDATE_WORK_ORDER"] = (["agent", "admin"], "ERROR"),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static bool IsAllowed(string command, string role)
        => !Table.TryGetValue(command, out var rule) || rule.Roles.Length == 0 || Array.IndexOf(rule.Roles, role) >= 0;

    public static string ErrorReplyOf(string? command)
        => command is not null && Table.TryGetValue(command, out var rule) ? rule.ErrorReply : "ERROR";
}

/// <summary>Wire names of error codes (<c>MalformedJson</c> -> <c>MALFORMED_JSON</c>).</summary>
public static class ErrorNames
{
    private static readonly FrozenDictionary<ErrorCode, string> Names = Enum.GetValues<ErrorCode>()
        .ToFrozenDictionary(c => c, c => ToSnake(c.ToString()));

    /// <summary>The wire name of <paramref name="code"/>.</summary>
    public static string Of(ErrorCode code) => Names.TryGetValue(code, out var name) ? name : ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string ToSnake(string pascal)
    {
        var sb = new System.Text.StringBuilder(pascal.Length + 8);
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            if (i > 0 && char.IsUpper(c))
            {
                sb.Append('_');
            }

            sb.Append(char.ToUpperInvariant(c));
        }

        return sb.ToString();
    }
}
