// TEMPORARY shim until the generated Switchboard.Protocol types land (src/Protocol/Generated).
// Delete this file as soon as Switchboard.Protocol exposes ErrorCode and CloseCode.
namespace Switchboard.Protocol;

/// <summary>Temporary copy of the generated error codes (contract values).</summary>
public enum ErrorCode
{
    /// <summary>1001.</summary>
    MalformedJson = 1001,
    /// <summary>1002.</summary>
    InvalidUtf8 = 1002,
    /// <summary>1003.</summary>
    UnknownCommand = 1003,
    /// <summary>1004.</summary>
    MissingField = 1004,
    /// <summary>1005.</summary>
    InvalidField = 1005,
    /// <summary>1006.</summary>
    MessageTooLarge = 1006,
    /// <summary>1007.</summary>
    BinaryNotSupported = 1007,
    /// <summary>1008.</summary>
    InvalidEnvelope = 1008,
    /// <summary>1010.</summary>
    UnsupportedProtocol = 1010,
    /// <summary>2001.</summary>
    TokenMissing = 2001,
    /// <summary>2002.</summary>
    TokenInvalid = 2002,
    /// <summary>2003.</summary>
    TokenExpired = 2003,
    /// <summary>2004.</summary>
    Forbidden = 2004,
    /// <summary>2005.</summary>
    NamespaceForbidden = 2005,
    /// <summary>2006.</summary>
    TokenSubjectMismatch = 2006,
    /// <summary>3001.</summary>
    RecipientUnknown = 3001,
    /// <summary>3002.</summary>
    NotInRoom = 3002,
    /// <summary>3003.</summary>
    InvalidRoom = 3003,
    /// <summary>4001.</summary>
    ConversationNotFound = 4001,
    /// <summary>4002.</summary>
    GrabLost = 4002,
    /// <summary>4003.</summary>
    NotParticipant = 4003,
    /// <summary>4004.</summary>
    TransferTargetOffline = 4004,
    /// <summary>4005.</summary>
    TransferTargetNotAgent = 4005,
    /// <summary>4006.</summary>
    TransferNotFound = 4006,
    /// <summary>4007.</summary>
    TransferTimeout = 4007,
    /// <summary>4008.</summary>
    AlreadyInService = 4008,
    /// <summary>4009.</summary>
    ConversationClosed = 4009,
    /// <summary>4010.</summary>
    TransferToSelf = 4010,
    /// <summary>4011.</summary>
    WorkOrderNotFound = 4011,
    /// <summary>5001.</summary>
    RateLimited = 5001,
    /// <summary>5002.</summary>
    SlowConsumer = 5002,
    /// <summary>5003.</summary>
    InternalError = 5003,
    /// <summary>5004.</summary>
    ShuttingDown = 5004,
}

/// <summary>Temporary copy of the generated close codes (contract values).</summary>
public enum CloseCode
{
    /// <summary>1000.</summary>
    Normal = 1000,
    /// <summary>4400.</summary>
    ProtocolError = 4400,
    /// <summary>4401.</summary>
    Unauthorized = 4401,
    /// <summary>4403.</summary>
    Forbidden = 4403,
    /// <summary>4408.</summary>
    IdleTimeout = 4408,
    /// <summary>4413.</summary>
    MessageTooBig = 4413,
    /// <summary>4419.</summary>
    TokenExpired = 4419,
    /// <summary>4429.</summary>
    RateLimited = 4429,
    /// <summary>4499.</summary>
    SlowConsumer = 4499,
    /// <summary>4500.</summary>
    InternalError = 4500,
    /// <summary>4503.</summary>
    ShuttingDown = 4503,
}
