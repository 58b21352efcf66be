namespace Switchboard.Server.ServiceDesk.Domain;

/// <summary>Service-desk error codes; values are the wire numbers of the spec's 4000 range
/// (so they cast one-to-one to <c>Switchboard.Protocol.ErrorCode</c>).</summary>
internal enum DeskErrorCode
{
    ConversationNotFound = 4001,
    GrabLost = 4002,
    NotParticipant = 4003,
    TransferTargetOffline = 4004,
    TransferTargetNotAgent = 4005,
    TransferNotFound = 4006,
    TransferTimeout = 4007,
    AlreadyInService = 4008,
    ConversationClosed = 4009,
    TransferToSelf = 4010,
    WorkOrderNotFound = 4011,
    TransferAlreadyPending = 4012,

    /// <summary>Not a desk code: too many pending reminders on one connection (SB-TIMER-006).</summary>
    RateLimited = 5001,
}

/// <summary>A rule of the desk refused the operation; <see cref="Code"/> is the wire error code.</summary>
internal sealed class DeskException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DeskException(DeskErrorCode code, string message)
        : base(message) => Code = code;

    /// <summary>The contract error code.</summary>
    public DeskErrorCode Code { get; }

    /// <summary>Optional transfer id (for TRANSFER_ERROR payloads).</summary>
    public string? TransferId { get; init; }

    /// <summary>Optional conversation id (for TRANSFER_ERROR payloads).</summary>
    public string? ConversationId { get; init; }
}
