using Switchboard.Protocol;

namespace Switchboard.Server.Messaging;

/// <summary>Role and error-reply rules per command, read from the generated <see cref="CommandMetadata"/>.</summary>
internal static class CommandRules
{
    public static bool IsAllowed(string command, string role)
        => !CommandMetadata.TryGet(command, out var descriptor) || descriptor.IsAllowedFor(role);

    public static string ErrorReplyOf(string? command)
        => command is not null && CommandMetadata.TryGet(command, out var descriptor) ? descriptor.ErrorReplyEvent : EventNames.Error;
}

/// <summary>Wire names of error codes (<c>ErrorCode.MalformedJson</c> -> <c>MALFORMED_JSON</c>).</summary>
public static class ErrorNames
{
    /// <summary>The wire name of <paramref name="code"/>.</summary>
    public static string Of(ErrorCode code) => ErrorCodes.GetName(code);
}
