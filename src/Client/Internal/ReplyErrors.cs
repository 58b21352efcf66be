using Switchboard.Protocol;

namespace Switchboard.Client.Internal;

/// <summary>Maps the error replies (<c>ERROR</c>, <c>SEND_MESSAGE_ERROR</c>, <c>TRANSFER_ERROR</c>) to <see cref="SwitchboardException"/>.</summary>
internal static class ReplyErrors
{
    public readonly record struct ErrorInfo(int Code, string Name, string Message, string? Path);

    public static ErrorInfo? Describe(IServerEvent response) => response switch
    {
        ErrorEvent e => new ErrorInfo((int)e.Code, e.Error, e.Message, e.Path),
        SendMessageErrorEvent e => new ErrorInfo((int)e.Code, e.Error, e.Message, e.Path),
        TransferErrorEvent e => new ErrorInfo((int)e.Code, e.Error, e.Message, null),
        _ => null,
    };

    public static SwitchboardException? TryCreateException(IServerEvent response, string commandName)
    {
        if (Describe(response) is not { } error)
        {
            return null;
        }

        var message = string.IsNullOrEmpty(error.Message) ? error.Name : error.Message;
        return new SwitchboardException((ErrorCode)error.Code, $"{commandName} failed: {error.Name} ({error.Code}) {message}");
    }
}
