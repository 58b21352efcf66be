using Switchboard.Protocol;

namespace Switchboard.Client;

/// <summary>
/// The connection failed or is not available: the server refused or closed it (see <see cref="Close"/>), the command
/// could not be sent, or its connection was lost before the reply (the command may or may not have been processed).
/// Protocol errors replied by the server are <see cref="SwitchboardException"/> instead.
/// </summary>
public sealed class SwitchboardConnectionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SwitchboardConnectionException(string message, SwitchboardCloseInfo? close = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Close = close;
    }

    /// <summary>The close code and reason when the server closed the connection; otherwise <see langword="null"/>.</summary>
    public SwitchboardCloseInfo? Close { get; }
}
