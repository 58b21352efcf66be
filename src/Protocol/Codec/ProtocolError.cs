namespace Switchboard.Protocol.Codec;

/// <summary>
/// Why a frame could not be read: the error code (wire number), a human readable message and, where the problem
/// is a field, the JSONPath of that field rooted at the envelope (<c>$.request.data</c>, <c>$.request.users[0]</c>).
/// </summary>
/// <param name="Code">The error code to report (ERROR <c>code</c>).</param>
/// <param name="Message">Free text for humans (ERROR <c>message</c>).</param>
/// <param name="Path">JSONPath of the offending field, or <see langword="null"/> when the frame as a whole is bad.</param>
public readonly record struct ProtocolError(ErrorCode Code, string Message, string? Path = null)
{
    /// <summary>The wire name of <see cref="Code"/>, e.g. <c>MALFORMED_JSON</c> (ERROR <c>error</c>).</summary>
    public string Name => ErrorCodes.GetName(Code);

    /// <summary>Wraps the error in a <see cref="SwitchboardException"/>.</summary>
    public SwitchboardException ToException() => new(this);

    /// <inheritdoc/>
    public override string ToString() => Path is null ? $"{Name} ({(int)Code}): {Message}" : $"{Name} ({(int)Code}) at {Path}: {Message}";
}
