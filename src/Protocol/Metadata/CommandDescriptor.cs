using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Switchboard.Protocol.Codec;

namespace Switchboard.Protocol;

/// <summary>Reads a command payload; generated per command.</summary>
internal delegate bool CommandPayloadReader(ref Utf8JsonReader reader, [NotNullWhen(true)] out IClientCommand? value, ref ReadError error);

/// <summary>Facts about one command, generated from the spec (see <see cref="CommandMetadata"/>).</summary>
public sealed class CommandDescriptor
{
    private readonly string[] _roles;

    internal CommandDescriptor(
        string name,
        Type payloadType,
        string[] roles,
        string? replyEvent,
        string errorReplyEvent,
        ErrorCode[] errors,
        string[] requirements,
        string? summary,
        CommandPayloadReader reader)
    {
        Name = name;
        PayloadType = payloadType;
        _roles = roles;
        ReplyEvent = replyEvent;
        ErrorReplyEvent = errorReplyEvent;
        Errors = errors;
        Requirements = requirements;
        Summary = summary;
        Reader = reader;
    }

    /// <summary>The wire name, e.g. <c>SEND_MESSAGE</c>.</summary>
    public string Name { get; }

    /// <summary>The generated payload type, e.g. <see cref="Type"/> of <c>SendMessageCommand</c>.</summary>
    public Type PayloadType { get; }

    /// <summary>Roles allowed to send the command (<c>x-roles</c>); empty means any role.</summary>
    public IReadOnlyList<string> Roles => _roles;

    /// <summary>Whether every role may send the command.</summary>
    public bool AllowsAnyRole => _roles.Length == 0;

    /// <summary>The success reply event (<c>x-reply</c>), or <see langword="null"/> when the command has none (PONG).</summary>
    public string? ReplyEvent { get; }

    /// <summary>The event that carries errors of this command (<c>x-error-reply</c>, default <c>ERROR</c>).</summary>
    public string ErrorReplyEvent { get; }

    /// <summary>Command-specific errors (<c>x-errors</c>); codec, auth and limit errors apply to every command.</summary>
    public IReadOnlyList<ErrorCode> Errors { get; }

    /// <summary>Requirement ids (<c>x-requirements</c>).</summary>
    public IReadOnlyList<string> Requirements { get; }

    /// <summary>One-line summary from the spec.</summary>
    public string? Summary { get; }

    internal CommandPayloadReader Reader { get; }

    /// <summary>Whether a user with <paramref name="role"/> (wire string, e.g. <c>agent</c>) may send the command.</summary>
    public bool IsAllowedFor(string? role)
    {
        if (_roles.Length == 0)
        {
            return true;
        }

        foreach (var r in _roles)
        {
            if (string.Equals(r, role, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a user with <paramref name="role"/> may send the command.</summary>
    public bool IsAllowedFor(Role role) => _roles.Length == 0 || IsAllowedFor(role.ToWireString());

    /// <inheritdoc/>
    public override string ToString() => Name;
}
