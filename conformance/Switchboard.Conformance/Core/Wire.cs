namespace Switchboard.Conformance.Core;

/// <summary>
/// Wire names and numbers used by the cases. The suite is black-box and spells the names from the spec
/// itself instead of trusting the implementation's generated constants; a unit test cross-checks the
/// numbers against <c>Switchboard.Protocol</c> when it is available.
/// </summary>
public static class Wire
{
#pragma warning disable CS1591 // self-describing wire names
    public const string Subprotocol = "switchboard.v1.json";

    // Events
    public const string Connect = "CONNECT";
    public const string Close = "CLOSE";
    public const string Error = "ERROR";
    public const string Ack = "ACK";
    public const string Ping = "PING";
    public const string Echo = "ECHO";
    public const string Online = "ONLINE";
    public const string OnlineList = "ONLINE_LIST";
    public const string RoomState = "ROOM_STATE";
    public const string RoomEnter = "ROOM_ENTER";
    public const string RoomLeave = "ROOM_LEAVE";
    public const string RoomMessage = "ROOM_MESSAGE";
    public const string GroupMessage = "GROUP_MESSAGE";
    public const string PrivateMessage = "PRIVATE_MESSAGE";
    public const string Push = "PUSH";
    public const string SendMessageSuccess = "SEND_MESSAGE_SUCCESS";
    public const string SendMessageError = "SEND_MESSAGE_ERROR";
    public const string Conversation = "CONVERSATION";
    public const string Qiangdan = "QIANGDAN";
    public const string NewMessage = "NEW_MESSAGE";
    public const string NewMessageUser = "NEW_MESSAGE_USER";
    public const string RTransfer = "RTRANSFER";
    public const string Transfer = "TRANSFER";
    public const string TransferError = "TRANSFER_ERROR";
    public const string RefuseTransferEvent = "REFUSE_TRANSFER";
    public const string DayAccess = "DAY_ACCESS";
    public const string WoMsg = "WOMSG";
    public const string Timer = "TIMER";

    // Commands
    public const string CmdEcho = "ECHO";
    public const string Pong = "PONG";
    public const string RefreshToken = "REFRESH_TOKEN";
    public const string Received = "RECEIVED";
    public const string JoinRoom = "JOIN_ROOM";
    public const string LeaveRoom = "LEAVE_ROOM";
    public const string SendRoomMessage = "SEND_ROOM_MESSAGE";
    public const string SendGroupMessage = "SEND_GROUP_MESSAGE";
    public const string SendPrivateMessage = "SEND_PRIVATE_MESSAGE";
    public const string GetOnlineList = "GET_ONLINE_LIST";
    public const string RequestService = "REQUEST_SERVICE";
    public const string Grab = "GRAB";
    public const string OpenConversation = "OPEN_CONVERSATION";
    public const string SendMessage = "SEND_MESSAGE";
    public const string CloseConversation = "CLOSE_CONVERSATION";
    public const string RequestTransfer = "REQUEST_TRANSFER";
    public const string AcceptTransfer = "ACCEPT_TRANSFER";
    public const string RefuseTransfer = "REFUSE_TRANSFER";
    public const string GetDayAccess = "GET_DAY_ACCESS";
    public const string CreateWorkOrder = "CREATE_WORK_ORDER";
    public const string UpdateWorkOrder = "UPDATE_WORK_ORDER";
    public const string SetTimer = "SET_TIMER";
#pragma warning restore CS1591
}

/// <summary>Error codes (response.code of ERROR / SEND_MESSAGE_ERROR / TRANSFER_ERROR).</summary>
public static class Err
{
#pragma warning disable CS1591
    public const int MalformedJson = 1001;
    public const int InvalidUtf8 = 1002;
    public const int UnknownCommand = 1003;
    public const int MissingField = 1004;
    public const int InvalidField = 1005;
    public const int MessageTooLarge = 1006;
    public const int BinaryNotSupported = 1007;
    public const int InvalidEnvelope = 1008;
    public const int UnsupportedProtocol = 1010;
    public const int TokenMissing = 2001;
    public const int TokenInvalid = 2002;
    public const int TokenExpired = 2003;
    public const int Forbidden = 2004;
    public const int NamespaceForbidden = 2005;
    public const int TokenSubjectMismatch = 2006;
    public const int RecipientUnknown = 3001;
    public const int NotInRoom = 3002;
    public const int InvalidRoom = 3003;
    public const int ConversationNotFound = 4001;
    public const int GrabLost = 4002;
    public const int NotParticipant = 4003;
    public const int TransferTargetOffline = 4004;
    public const int TransferTargetNotAgent = 4005;
    public const int TransferNotFound = 4006;
    public const int TransferTimeout = 4007;
    public const int AlreadyInService = 4008;
    public const int ConversationClosed = 4009;
    public const int TransferToSelf = 4010;
    public const int WorkOrderNotFound = 4011;
    public const int TransferAlreadyPending = 4012;
    public const int RateLimited = 5001;
    public const int InternalError = 5003;
    public const int ShuttingDown = 5004;
#pragma warning restore CS1591

    /// <summary>Registry names by code (section 20 of PROTOCOL.md).</summary>
    public static readonly IReadOnlyDictionary<int, string> Names = new Dictionary<int, string>
    {
        [1001] = "MALFORMED_JSON", [1002] = "INVALID_UTF8", [1003] = "UNKNOWN_COMMAND", [1004] = "MISSING_FIELD",
        [1005] = "INVALID_FIELD", [1006] = "MESSAGE_TOO_LARGE", [1007] = "BINARY_NOT_SUPPORTED", [1008] = "INVALID_ENVELOPE",
        [1010] = "UNSUPPORTED_PROTOCOL", [2001] = "TOKEN_MISSING", [2002] = "TOKEN_INVALID", [2003] = "TOKEN_EXPIRED",
        [2004] = "FORBIDDEN", [2005] = "NAMESPACE_FORBIDDEN", [2006] = "TOKEN_SUBJECT_MISMATCH", [3001] = "RECIPIENT_UNKNOWN",
        [3002] = "NOT_IN_ROOM", [3003] = "INVALID_ROOM", [4001] = "CONVERSATION_NOT_FOUND", [4002] = "GRAB_LOST",
        [4003] = "NOT_PARTICIPANT", [4004] = "TRANSFER_TARGET_OFFLINE", [4005] = "TRANSFER_TARGET_NOT_AGENT",
        [4006] = "TRANSFER_NOT_FOUND", [4007] = "TRANSFER_TIMEOUT", [4008] = "ALREADY_IN_SERVICE", [4009] = "CONVERSATION_CLOSED",
        [4010] = "TRANSFER_TO_SELF", [4011] = "WORK_ORDER_NOT_FOUND", [4012] = "TRANSFER_ALREADY_PENDING", [5001] = "RATE_LIMITED",
        [5002] = "SLOW_CONSUMER", [5003] = "INTERNAL_ERROR", [5004] = "SHUTTING_DOWN",
    };
}

/// <summary>WebSocket close codes.</summary>
public static class CloseCodes
{
#pragma warning disable CS1591
    public const int Normal = 1000;
    public const int InvalidPayload = 1007;
    public const int ProtocolError = 4400;
    public const int Unauthorized = 4401;
    public const int Forbidden = 4403;
    public const int IdleTimeout = 4408;
    public const int TooManyConnections = 4409;
    public const int MessageTooBig = 4413;
    public const int TokenExpired = 4419;
    public const int RateLimited = 4429;
    public const int SlowConsumer = 4499;
#pragma warning restore CS1591

    /// <summary>Registry value of <c>retryable</c> per close code (section 21 of PROTOCOL.md).</summary>
    public static readonly IReadOnlyDictionary<int, bool> Retryable = new Dictionary<int, bool>
    {
        [1000] = false, [1007] = false, [4400] = false, [4401] = false, [4403] = false, [4408] = true, [4409] = true, [4413] = false, [4419] = true,
        [4429] = true, [4499] = true, [4500] = true, [4503] = true,
    };
}
