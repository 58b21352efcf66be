using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;
using Switchboard.Protocol.Codec;

namespace Switchboard.Protocol;

/// <summary>Builds the error event a command's failure is reported with (<c>x-error-reply</c>: ERROR, SEND_MESSAGE_ERROR or TRANSFER_ERROR).</summary>
public static class ErrorReplies
{
    /// <summary>
    /// Creates the error event for <paramref name="error"/>: the command's error reply event when the command is known
    /// (<see cref="CommandDescriptor.ErrorReplyEvent"/>), otherwise ERROR.
    /// </summary>
    /// <param name="error">What went wrong.</param>
    /// <param name="command">The command name when the envelope's <c>command</c> was a string (SB-CODEC-013).</param>
    /// <param name="descriptor">The command's descriptor, when known.</param>
    public static IServerEvent Create(ProtocolError error, string? command = null, CommandDescriptor? descriptor = null) =>
        descriptor?.ErrorReplyEvent switch
        {
            EventNames.SendMessageError => SendMessageErrorEvent.From(error, command ?? descriptor.Name),
            EventNames.TransferError => TransferErrorEvent.From(error.Code, error.Message),
            _ => ErrorEvent.From(error, command ?? descriptor?.Name),
        };

    /// <summary>Creates the error event for a failed read, using what the envelope reader could recover.</summary>
    public static IServerEvent Create(ProtocolError error, in ClientEnvelope partial) => Create(error, partial.Command, partial.Descriptor);
}

/// <content>Factories.</content>
public sealed partial class ErrorEvent
{
    /// <summary>Creates an ERROR payload from a codec error.</summary>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "v1 surface as shipped; the overloads differ in a required first parameter, so a call is never ambiguous.")]
    public static ErrorEvent From(ProtocolError error, string? command = null) => new()
    {
        Code = (int)error.Code,
        Error = error.Name,
        Message = error.Message,
        Path = error.Path,
        Command = command,
    };

    /// <summary>The <see cref="Code"/> as an <see cref="Protocol.ErrorCode"/>.</summary>
    [JsonIgnore]
    public ErrorCode ErrorCode => (ErrorCode)Code;

    /// <summary>Converts the reply into the exception a client API throws.</summary>
    public SwitchboardException ToException() => new(ErrorCode, Message, Path);

    /// <summary>Creates an ERROR payload.</summary>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "v1 surface as shipped; the overloads differ in a required first parameter, so a call is never ambiguous.")]
    public static ErrorEvent From(ErrorCode code, string message, string? path = null, string? command = null) =>
        From(new ProtocolError(code, message, path), command);
}

/// <content>Factories.</content>
public sealed partial class SendMessageErrorEvent
{
    /// <summary>Creates a SEND_MESSAGE_ERROR payload from a codec error.</summary>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "v1 surface as shipped; the overloads differ in a required first parameter, so a call is never ambiguous.")]
    public static SendMessageErrorEvent From(ProtocolError error, string? command = null) => new()
    {
        Code = (int)error.Code,
        Error = error.Name,
        Message = error.Message,
        Path = error.Path,
        Command = command,
    };

    /// <summary>The <see cref="Code"/> as an <see cref="Protocol.ErrorCode"/>.</summary>
    [JsonIgnore]
    public ErrorCode ErrorCode => (ErrorCode)Code;

    /// <summary>Converts the reply into the exception a client API throws.</summary>
    public SwitchboardException ToException() => new(ErrorCode, Message, Path);

    /// <summary>Creates a SEND_MESSAGE_ERROR payload.</summary>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "v1 surface as shipped; the overloads differ in a required first parameter, so a call is never ambiguous.")]
    public static SendMessageErrorEvent From(ErrorCode code, string message, string? path = null, string? command = null) =>
        From(new ProtocolError(code, message, path), command);
}

/// <content>Factories.</content>
public sealed partial class TransferErrorEvent
{
    /// <summary>The <see cref="Code"/> as an <see cref="Protocol.ErrorCode"/>.</summary>
    [JsonIgnore]
    public ErrorCode ErrorCode => (ErrorCode)Code;

    /// <summary>Converts the reply into the exception a client API throws.</summary>
    public SwitchboardException ToException() => new(ErrorCode, Message);

    /// <summary>Creates a TRANSFER_ERROR payload.</summary>
    public static TransferErrorEvent From(ErrorCode code, string message, string? transferId = null, string? conversationId = null) => new()
    {
        Code = (int)code,
        Error = ErrorCodes.GetName(code),
        Message = message,
        TransferId = transferId,
        ConversationId = conversationId,
    };
}

/// <content>Factories.</content>
public sealed partial class CloseEvent
{
    /// <summary>Creates a CLOSE payload; <c>retryable</c> comes from <see cref="CloseCodes.IsRetryable"/>.</summary>
    public static CloseEvent From(CloseCode code, string reason) => new()
    {
        Code = (int)code,
        Reason = reason,
        Retryable = CloseCodes.IsRetryable(code),
    };

    /// <summary>The <see cref="Code"/> as a <see cref="Protocol.CloseCode"/>.</summary>
    [JsonIgnore]
    public CloseCode CloseCode => (CloseCode)Code;
}
