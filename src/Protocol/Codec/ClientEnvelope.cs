namespace Switchboard.Protocol.Codec;

/// <summary>A decoded client-to-server envelope: <c>{"command":"NAME","cid":"c1","request":{...}}</c>.</summary>
/// <remarks>
/// When <see cref="EnvelopeReader.TryReadCommand(in System.Buffers.ReadOnlySequence{byte}, out ClientEnvelope, out ProtocolError)"/>
/// fails, the envelope still carries what could be read, so the ERROR reply can echo it (SB-CODEC-013):
/// <see cref="Command"/> when <c>command</c> was a string (possibly unknown), <see cref="Cid"/> when it was valid, and
/// <see cref="Descriptor"/> when the command is known (to check the role before reporting payload errors).
/// <see cref="Request"/> is <see langword="null"/> then.
/// </remarks>
public readonly struct ClientEnvelope
{
    /// <summary>Creates an envelope for <paramref name="request"/>.</summary>
    public ClientEnvelope(IClientCommand request, string? cid = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        Command = request.CommandName;
        Cid = cid;
        Request = request;
        CommandMetadata.TryGet(Command, out var descriptor);
        Descriptor = descriptor;
    }

    internal ClientEnvelope(string? command, string? cid, IClientCommand? request, CommandDescriptor? descriptor)
    {
        Command = command!;
        Cid = cid;
        Request = request!;
        Descriptor = descriptor;
    }

    /// <summary>The wire name (<c>command</c>); <see langword="null"/> only after a failed read where it was absent or not a string.</summary>
    public string Command { get; }

    /// <summary>The correlation id (<c>cid</c>), if the client sent a valid one.</summary>
    public string? Cid { get; }

    /// <summary>The decoded payload (<c>request</c>; an absent request reads as <c>{}</c>); <see langword="null"/> only after a failed read.</summary>
    public IClientCommand Request { get; }

    /// <summary>Spec facts about the command (roles, replies); <see langword="null"/> when the command is unknown.</summary>
    public CommandDescriptor? Descriptor { get; }
}
