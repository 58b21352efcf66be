using Switchboard.Protocol.Codec;

namespace Switchboard.Protocol;

/// <summary>
/// The one exception type of Switchboard: carries the spec's <see cref="ErrorCode"/> (wire number), the message and,
/// for field errors, the JSONPath of the field.
/// </summary>
public sealed class SwitchboardException : Exception
{
    /// <summary>Creates an exception with <see cref="ErrorCode.InternalError"/>.</summary>
    public SwitchboardException()
        : this(ErrorCode.InternalError, "Switchboard error.")
    {
    }

    /// <summary>Creates an exception with <see cref="ErrorCode.InternalError"/>.</summary>
    public SwitchboardException(string message)
        : this(ErrorCode.InternalError, message)
    {
    }

    /// <summary>Creates an exception with <see cref="ErrorCode.InternalError"/> wrapping <paramref name="innerException"/>.</summary>
    public SwitchboardException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = ErrorCode.InternalError;
    }

    /// <summary>Creates an exception for an error code.</summary>
    public SwitchboardException(ErrorCode code, string message, string? path = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
        Path = path;
    }

    /// <summary>Creates an exception from a codec error.</summary>
    public SwitchboardException(ProtocolError error)
        : this(error.Code, error.Message, error.Path)
    {
    }

    /// <summary>The error code (wire number).</summary>
    public ErrorCode Code { get; }

    /// <summary>The wire name of <see cref="Code"/>, e.g. <c>MALFORMED_JSON</c>.</summary>
    public string ErrorName => ErrorCodes.GetName(Code);

    /// <summary>JSONPath of the offending field, when the error is about one.</summary>
    public string? Path { get; }

    /// <summary>The error as a <see cref="ProtocolError"/>.</summary>
    public ProtocolError ToProtocolError() => new(Code, Message, Path);
}
