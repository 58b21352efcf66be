// Built from src/client-ts/pages/visitor.ts by `npm run bundle` (esbuild). Do not edit.

// src/generated/codes.ts
var ErrorCode = {
  /** The text frame is not valid JSON (including an empty frame). (SB-CODEC-001) */
  MALFORMED_JSON: 1001,
  /** The bytes are not valid UTF-8 (codec APIs only; over WebSocket such a text frame fails the connection with close 1007). (SB-CODEC-002) */
  INVALID_UTF8: 1002,
  /** `command` is not a command of this protocol version. (SB-CODEC-003) */
  UNKNOWN_COMMAND: 1003,
  /** A required field is absent (path names it). (SB-CODEC-004) */
  MISSING_FIELD: 1004,
  /** A field has the wrong type, is out of range, too long/short or fails its pattern. (SB-CODEC-005) */
  INVALID_FIELD: 1005,
  /** The frame exceeds max_message_bytes; followed by CLOSE 4413. (SB-CODEC-011) */
  MESSAGE_TOO_LARGE: 1006,
  /** A binary frame was received; followed by CLOSE 4400. (SB-CODEC-010) */
  BINARY_NOT_SUPPORTED: 1007,
  /** The frame is not a JSON object, `command` is not a string, or `request` is neither an object nor null. (SB-CODEC-007) */
  INVALID_ENVELOPE: 1008,
  /** None of the offered subprotocols is supported (HTTP 400 at upgrade), or the Sec-WebSocket-Version is not 13 (HTTP 426, SB-HS-014). (SB-HS-003) */
  UNSUPPORTED_PROTOCOL: 1010,
  /** No token in the handshake or API request. (SB-AUTH-003) */
  TOKEN_MISSING: 2001,
  /** The token is malformed, badly signed or has invalid claims. (SB-AUTH-004) */
  TOKEN_INVALID: 2002,
  /** The token's exp is in the past. (SB-AUTH-005) */
  TOKEN_EXPIRED: 2003,
  /** The caller's role may not use this command or endpoint. (SB-AUTH-016) */
  FORBIDDEN: 2004,
  /** The token's ns claim does not allow this namespace. (SB-AUTH-009) */
  NAMESPACE_FORBIDDEN: 2005,
  /** REFRESH_TOKEN carried a token for a different sub. (SB-AUTH-014) */
  TOKEN_SUBJECT_MISMATCH: 2006,
  /** The private message recipient has no stream in the target namespace. (SB-CHAT-006) */
  RECIPIENT_UNKNOWN: 3001,
  /** The connection is not a member of the room. (SB-ROOM-007) */
  NOT_IN_ROOM: 3002,
  /** The room name is not 1-64 characters of [A-Za-z0-9_.:-]. (SB-ROOM-001) */
  INVALID_ROOM: 3003,
  /** No conversation with this id. (SB-CS-009) */
  CONVERSATION_NOT_FOUND: 4001,
  /** The conversation is no longer waiting (another agent won, or it was closed). (SB-CS-008) */
  GRAB_LOST: 4002,
  /** The caller is not the conversation's visitor or current owner (or not allowed on the work order). (SB-CS-019) */
  NOT_PARTICIPANT: 4003,
  /** The transfer target has no open connection (or lost its last one). (SB-XFER-003) */
  TRANSFER_TARGET_OFFLINE: 4004,
  /** The transfer target is online but not as an agent. (SB-XFER-003) */
  TRANSFER_TARGET_NOT_AGENT: 4005,
  /** No pending transfer with this id addressed to the caller. (SB-XFER-006) */
  TRANSFER_NOT_FOUND: 4006,
  /** The transfer expired before it was accepted or refused. (SB-XFER-008) */
  TRANSFER_TIMEOUT: 4007,
  /** The visitor already has a waiting or active conversation. (SB-CS-004) */
  ALREADY_IN_SERVICE: 4008,
  /** The conversation is closed. (SB-CS-019) */
  CONVERSATION_CLOSED: 4009,
  /** The transfer target is the requester. (SB-XFER-003) */
  TRANSFER_TO_SELF: 4010,
  /** No work order with this id. (SB-WO-005) */
  WORK_ORDER_NOT_FOUND: 4011,
  /** The conversation already has a pending transfer. (SB-XFER-004) */
  TRANSFER_ALREADY_PENDING: 4012,
  /** The command exceeded the connection's rate limit and was dropped. (SB-LIM-002) */
  RATE_LIMITED: 5001,
  /** The connection's send queue overflowed (close 4499). Not sent on the wire (the queue is full): clients surface a 4499 close with this code. (SB-LIM-004) */
  SLOW_CONSUMER: 5002,
  /** The server failed to process the command; it may be retried. (SB-LIM-007) */
  INTERNAL_ERROR: 5003,
  /** The server is shutting down and no longer accepts this command. (SB-CLOSE-003) */
  SHUTTING_DOWN: 5004
};
var ErrorNames = {
  1001: "MALFORMED_JSON",
  1002: "INVALID_UTF8",
  1003: "UNKNOWN_COMMAND",
  1004: "MISSING_FIELD",
  1005: "INVALID_FIELD",
  1006: "MESSAGE_TOO_LARGE",
  1007: "BINARY_NOT_SUPPORTED",
  1008: "INVALID_ENVELOPE",
  1010: "UNSUPPORTED_PROTOCOL",
  2001: "TOKEN_MISSING",
  2002: "TOKEN_INVALID",
  2003: "TOKEN_EXPIRED",
  2004: "FORBIDDEN",
  2005: "NAMESPACE_FORBIDDEN",
  2006: "TOKEN_SUBJECT_MISMATCH",
  3001: "RECIPIENT_UNKNOWN",
  3002: "NOT_IN_ROOM",
  3003: "INVALID_ROOM",
  4001: "CONVERSATION_NOT_FOUND",
  4002: "GRAB_LOST",
  4003: "NOT_PARTICIPANT",
  4004: "TRANSFER_TARGET_OFFLINE",
  4005: "TRANSFER_TARGET_NOT_AGENT",
  4006: "TRANSFER_NOT_FOUND",
  4007: "TRANSFER_TIMEOUT",
  4008: "ALREADY_IN_SERVICE",
  4009: "CONVERSATION_CLOSED",
  4010: "TRANSFER_TO_SELF",
  4011: "WORK_ORDER_NOT_FOUND",
  4012: "TRANSFER_ALREADY_PENDING",
  5001: "RATE_LIMITED",
  5002: "SLOW_CONSUMER",
  5003: "INTERNAL_ERROR",
  5004: "SHUTTING_DOWN"
};
var CloseCode = {
  /** Normal closure. */
  NORMAL: 1e3,
  /** A text frame was not valid UTF-8 (RFC 6455 section 8.1); a close frame only, no CLOSE event (SB-CODEC-002). */
  INVALID_PAYLOAD: 1007,
  /** Binary frame or unusable framing. */
  PROTOCOL_ERROR: 4400,
  /** Token missing or invalid. Reconnect only with a new token. */
  UNAUTHORIZED: 4401,
  /** Namespace (or role) not allowed. */
  FORBIDDEN: 4403,
  /** Not sent since 1.1.0 (a dead peer is dropped, SB-KA-003); clients treat it as retryable. */
  IDLE_TIMEOUT: 4408,
  /** The user already has max_connections_per_user open connections (SB-LIM-009). Reconnect after backoff, once another connection of the user has closed. */
  TOO_MANY_CONNECTIONS: 4409,
  /** A frame exceeded max_message_bytes. */
  MESSAGE_TOO_BIG: 4413,
  /** Token expired (handshake or during the connection). Reconnect with a refreshed token. */
  TOKEN_EXPIRED: 4419,
  /** Too many commands rejected by the rate limit. Reconnect after backoff. */
  RATE_LIMITED: 4429,
  /** Send queue overflow. Reconnect with since/epoch to recover durable events. */
  SLOW_CONSUMER: 4499,
  /** Unexpected server error. */
  INTERNAL_ERROR: 4500,
  /** Server shutting down. Reconnect (another node / later). */
  SHUTTING_DOWN: 4503,
  /** The node lost its message store (cluster mode - its Redis connection) and cannot store or route. Reconnect (through the load balancer, to another node) and resume with since/epoch (SB-CLUSTER-005). */
  STORE_UNAVAILABLE: 4504
};
var RetryableCloseCodes = /* @__PURE__ */ new Set([4408, 4409, 4419, 4429, 4499, 4500, 4503, 4504]);

// src/generated/metadata.ts
var COMMANDS = {
  ECHO: { reply: "ECHO", errorReply: "ERROR", roles: [], errors: ["MISSING_FIELD", "INVALID_FIELD"], schema: "EchoCommand" },
  PONG: { reply: null, errorReply: "ERROR", roles: [], errors: [], schema: "PongCommand" },
  REFRESH_TOKEN: { reply: "ACK", errorReply: "ERROR", roles: [], errors: ["MISSING_FIELD", "INVALID_FIELD", "TOKEN_INVALID", "TOKEN_EXPIRED", "TOKEN_SUBJECT_MISMATCH"], schema: "RefreshTokenCommand" },
  RECEIVED: { reply: "ACK", errorReply: "ERROR", roles: [], errors: ["MISSING_FIELD", "INVALID_FIELD"], schema: "ReceivedCommand" },
  JOIN_ROOM: { reply: "ROOM_STATE", errorReply: "ERROR", roles: [], errors: ["INVALID_ROOM", "MISSING_FIELD", "INVALID_FIELD"], schema: "JoinRoomCommand" },
  LEAVE_ROOM: { reply: "ACK", errorReply: "ERROR", roles: [], errors: ["NOT_IN_ROOM", "INVALID_ROOM", "MISSING_FIELD"], schema: "LeaveRoomCommand" },
  SEND_ROOM_MESSAGE: { reply: "SEND_MESSAGE_SUCCESS", errorReply: "SEND_MESSAGE_ERROR", roles: [], errors: ["NOT_IN_ROOM", "INVALID_ROOM", "MISSING_FIELD", "INVALID_FIELD"], schema: "SendRoomMessageCommand" },
  SEND_GROUP_MESSAGE: { reply: "SEND_MESSAGE_SUCCESS", errorReply: "SEND_MESSAGE_ERROR", roles: [], errors: ["MISSING_FIELD", "INVALID_FIELD"], schema: "SendGroupMessageCommand" },
  SEND_PRIVATE_MESSAGE: { reply: "SEND_MESSAGE_SUCCESS", errorReply: "SEND_MESSAGE_ERROR", roles: [], errors: ["RECIPIENT_UNKNOWN", "MISSING_FIELD", "INVALID_FIELD"], schema: "SendPrivateMessageCommand" },
  GET_ONLINE_LIST: { reply: "ONLINE_LIST", errorReply: "ERROR", roles: [], errors: ["INVALID_FIELD"], schema: "GetOnlineListCommand" },
  REQUEST_SERVICE: { reply: "CONVERSATION", errorReply: "ERROR", roles: ["visitor"], errors: ["FORBIDDEN", "ALREADY_IN_SERVICE", "INVALID_FIELD"], schema: "RequestServiceCommand" },
  GRAB: { reply: "CONVERSATION", errorReply: "ERROR", roles: ["agent"], errors: ["FORBIDDEN", "CONVERSATION_NOT_FOUND", "GRAB_LOST", "MISSING_FIELD"], schema: "GrabCommand" },
  OPEN_CONVERSATION: { reply: "ACK", errorReply: "ERROR", roles: ["agent"], errors: ["FORBIDDEN", "CONVERSATION_NOT_FOUND", "NOT_PARTICIPANT", "CONVERSATION_CLOSED"], schema: "OpenConversationCommand" },
  SEND_MESSAGE: { reply: "SEND_MESSAGE_SUCCESS", errorReply: "SEND_MESSAGE_ERROR", roles: ["visitor", "agent"], errors: ["FORBIDDEN", "CONVERSATION_NOT_FOUND", "NOT_PARTICIPANT", "CONVERSATION_CLOSED", "MISSING_FIELD", "INVALID_FIELD"], schema: "SendMessageCommand" },
  CLOSE_CONVERSATION: { reply: "ACK", errorReply: "ERROR", roles: ["visitor", "agent"], errors: ["FORBIDDEN", "CONVERSATION_NOT_FOUND", "NOT_PARTICIPANT", "CONVERSATION_CLOSED", "MISSING_FIELD"], schema: "CloseConversationCommand" },
  REQUEST_TRANSFER: { reply: "TRANSFER", errorReply: "TRANSFER_ERROR", roles: ["agent"], errors: ["FORBIDDEN", "CONVERSATION_NOT_FOUND", "NOT_PARTICIPANT", "CONVERSATION_CLOSED", "TRANSFER_TO_SELF", "TRANSFER_ALREADY_PENDING", "TRANSFER_TARGET_OFFLINE", "TRANSFER_TARGET_NOT_AGENT", "MISSING_FIELD"], schema: "RequestTransferCommand" },
  ACCEPT_TRANSFER: { reply: "ACK", errorReply: "ERROR", roles: ["agent"], errors: ["FORBIDDEN", "TRANSFER_NOT_FOUND", "TRANSFER_TIMEOUT", "MISSING_FIELD"], schema: "AcceptTransferCommand" },
  REFUSE_TRANSFER: { reply: "ACK", errorReply: "ERROR", roles: ["agent"], errors: ["FORBIDDEN", "TRANSFER_NOT_FOUND", "TRANSFER_TIMEOUT", "MISSING_FIELD"], schema: "RefuseTransferCommand" },
  GET_DAY_ACCESS: { reply: "DAY_ACCESS", errorReply: "ERROR", roles: ["agent", "admin"], errors: ["FORBIDDEN"], schema: "GetDayAccessCommand" },
  CREATE_WORK_ORDER: { reply: "WOMSG", errorReply: "ERROR", roles: ["agent", "admin"], errors: ["FORBIDDEN", "CONVERSATION_NOT_FOUND", "MISSING_FIELD", "INVALID_FIELD"], schema: "CreateWorkOrderCommand" },
  UPDATE_WORK_ORDER: { reply: "WOMSG", errorReply: "ERROR", roles: ["agent", "admin"], errors: ["FORBIDDEN", "WORK_ORDER_NOT_FOUND", "NOT_PARTICIPANT", "MISSING_FIELD", "INVALID_FIELD"], schema: "UpdateWorkOrderCommand" },
  SET_TIMER: { reply: "TIMER", errorReply: "ERROR", roles: [], errors: ["MISSING_FIELD", "INVALID_FIELD"], schema: "SetTimerCommand" }
};
var EVENTS = {
  CONNECT: { delivery: "live", schema: "ConnectEvent" },
  CLOSE: { delivery: "live", schema: "CloseEvent" },
  ERROR: { delivery: "reply", schema: "ErrorEvent" },
  ACK: { delivery: "reply", schema: "AckEvent" },
  PING: { delivery: "live", schema: "PingEvent" },
  ECHO: { delivery: "reply", schema: "EchoEvent" },
  ONLINE: { delivery: "live", schema: "OnlineEvent" },
  ONLINE_LIST: { delivery: "live", schema: "OnlineListEvent" },
  ROOM_STATE: { delivery: "reply", schema: "RoomStateEvent" },
  ROOM_ENTER: { delivery: "live", schema: "RoomEnterEvent" },
  ROOM_LEAVE: { delivery: "live", schema: "RoomLeaveEvent" },
  ROOM_MESSAGE: { delivery: "room", schema: "RoomMessageEvent" },
  GROUP_MESSAGE: { delivery: "live", schema: "GroupMessageEvent" },
  PRIVATE_MESSAGE: { delivery: "durable", schema: "PrivateMessageEvent" },
  PUSH: { delivery: "durable", schema: "PushEvent" },
  SEND_MESSAGE_SUCCESS: { delivery: "reply", schema: "SendMessageSuccessEvent" },
  SEND_MESSAGE_ERROR: { delivery: "reply", schema: "SendMessageErrorEvent" },
  CONVERSATION: { delivery: "durable", schema: "ConversationEvent" },
  QIANGDAN: { delivery: "live", schema: "QiangdanEvent" },
  NEW_MESSAGE: { delivery: "durable", schema: "NewMessageEvent" },
  NEW_MESSAGE_USER: { delivery: "durable", schema: "NewMessageUserEvent" },
  RTRANSFER: { delivery: "live", schema: "RtransferEvent" },
  TRANSFER: { delivery: "live", schema: "TransferEvent" },
  TRANSFER_ERROR: { delivery: "live", schema: "TransferErrorEvent" },
  REFUSE_TRANSFER: { delivery: "live", schema: "RefuseTransferEvent" },
  DAY_ACCESS: { delivery: "live", schema: "DayAccessEvent" },
  WOMSG: { delivery: "durable", schema: "WomsgEvent" },
  TIMER: { delivery: "live", schema: "TimerEvent" }
};
var SCHEMAS = {
  UserRef: [
    { name: "id", kind: "string", required: true, nullable: false },
    { name: "name", kind: "string", required: true, nullable: false },
    { name: "role", kind: "enum", required: true, nullable: false, ref: "Role" }
  ],
  OnlineUser: [
    { name: "id", kind: "string", required: true, nullable: false },
    { name: "name", kind: "string", required: true, nullable: false },
    { name: "role", kind: "enum", required: true, nullable: false, ref: "Role" },
    { name: "connections", kind: "integer", required: true, nullable: false }
  ],
  ConnectEvent: [
    { name: "client_id", kind: "string", required: true, nullable: false },
    { name: "user", kind: "object", required: true, nullable: false, ref: "UserRef" },
    { name: "namespace", kind: "enum", required: true, nullable: false, ref: "Namespace" },
    { name: "protocol", kind: "string", required: true, nullable: false },
    { name: "server", kind: "string", required: true, nullable: false },
    { name: "epoch", kind: "string", required: true, nullable: false },
    { name: "seq", kind: "integer", required: true, nullable: false },
    { name: "recovered", kind: "boolean", required: true, nullable: false },
    { name: "missed", kind: "integer", required: true, nullable: false },
    { name: "ping_interval_ms", kind: "integer", required: true, nullable: false },
    { name: "idle_timeout_ms", kind: "integer", required: true, nullable: false },
    { name: "max_message_bytes", kind: "integer", required: true, nullable: false },
    { name: "rate_limit_per_second", kind: "integer", required: true, nullable: false },
    { name: "rate_limit_burst", kind: "integer", required: true, nullable: false },
    { name: "capabilities", kind: "array", required: true, nullable: false, ref: "Capability", items: "enum" },
    { name: "transfer_timeout_ms", kind: "integer", required: false, nullable: false },
    { name: "conversation_idle_warning_ms", kind: "integer", required: false, nullable: false },
    { name: "conversation_idle_close_ms", kind: "integer", required: false, nullable: false },
    { name: "visitor_grace_ms", kind: "integer", required: false, nullable: false }
  ],
  CloseEvent: [
    { name: "code", kind: "integer", required: true, nullable: false },
    { name: "reason", kind: "string", required: true, nullable: false },
    { name: "retryable", kind: "boolean", required: true, nullable: false }
  ],
  ErrorEvent: [
    { name: "code", kind: "integer", required: true, nullable: false },
    { name: "error", kind: "string", required: true, nullable: false },
    { name: "message", kind: "string", required: true, nullable: false },
    { name: "path", kind: "string", required: false, nullable: false },
    { name: "command", kind: "string", required: false, nullable: false }
  ],
  AckEvent: [
    { name: "command", kind: "string", required: true, nullable: false },
    { name: "expires_at", kind: "date-time", required: false, nullable: false }
  ],
  PingEvent: [
    { name: "at", kind: "date-time", required: true, nullable: false }
  ],
  EchoEvent: [
    { name: "data", kind: "string", required: true, nullable: false }
  ],
  OnlineEvent: [
    { name: "user", kind: "object", required: true, nullable: false, ref: "UserRef" },
    { name: "namespace", kind: "enum", required: true, nullable: false, ref: "Namespace" },
    { name: "online", kind: "boolean", required: true, nullable: false },
    { name: "connections", kind: "integer", required: true, nullable: false },
    { name: "at", kind: "date-time", required: true, nullable: false }
  ],
  OnlineListEvent: [
    { name: "namespace", kind: "enum", required: true, nullable: false, ref: "Namespace" },
    { name: "users", kind: "array", required: true, nullable: false, ref: "OnlineUser", items: "object" }
  ],
  RoomStateEvent: [
    { name: "room", kind: "string", required: true, nullable: false },
    { name: "members", kind: "array", required: true, nullable: false, ref: "UserRef", items: "object" },
    { name: "seq", kind: "integer", required: true, nullable: false },
    { name: "recovered", kind: "boolean", required: true, nullable: false },
    { name: "missed", kind: "integer", required: true, nullable: false }
  ],
  RoomEnterEvent: [
    { name: "room", kind: "string", required: true, nullable: false },
    { name: "user", kind: "object", required: true, nullable: false, ref: "UserRef" },
    { name: "at", kind: "date-time", required: true, nullable: false }
  ],
  RoomLeaveEvent: [
    { name: "room", kind: "string", required: true, nullable: false },
    { name: "user", kind: "object", required: true, nullable: false, ref: "UserRef" },
    { name: "reason", kind: "enum", required: true, nullable: false, ref: "RoomLeaveReason" },
    { name: "at", kind: "date-time", required: true, nullable: false }
  ],
  RoomMessageEvent: [
    { name: "message_id", kind: "string", required: true, nullable: false },
    { name: "room", kind: "string", required: true, nullable: false },
    { name: "room_seq", kind: "integer", required: true, nullable: false },
    { name: "user", kind: "object", required: true, nullable: false, ref: "UserRef" },
    { name: "data", kind: "string", required: true, nullable: false },
    { name: "at", kind: "date-time", required: true, nullable: false }
  ],
  GroupMessageEvent: [
    { name: "message_id", kind: "string", required: true, nullable: false },
    { name: "user", kind: "object", required: true, nullable: false, ref: "UserRef" },
    { name: "data", kind: "string", required: true, nullable: false },
    { name: "at", kind: "date-time", required: true, nullable: false }
  ],
  PrivateMessageEvent: [
    { name: "message_id", kind: "string", required: true, nullable: false },
    { name: "user", kind: "object", required: true, nullable: false, ref: "UserRef" },
    { name: "to", kind: "string", required: true, nullable: false },
    { name: "namespace", kind: "enum", required: true, nullable: false, ref: "Namespace" },
    { name: "data", kind: "string", required: true, nullable: false },
    { name: "at", kind: "date-time", required: true, nullable: false }
  ],
  PushEvent: [
    { name: "message_id", kind: "string", required: true, nullable: false },
    { name: "topic", kind: "string", required: true, nullable: false },
    { name: "room", kind: "string", required: false, nullable: false },
    { name: "data", kind: "any", required: true, nullable: false },
    { name: "at", kind: "date-time", required: true, nullable: false }
  ],
  SendMessageSuccessEvent: [
    { name: "message_id", kind: "string", required: true, nullable: false },
    { name: "at", kind: "date-time", required: true, nullable: false },
    { name: "seq", kind: "integer", required: false, nullable: false },
    { name: "conversation_id", kind: "string", required: false, nullable: false }
  ],
  SendMessageErrorEvent: [
    { name: "code", kind: "integer", required: true, nullable: false },
    { name: "error", kind: "string", required: true, nullable: false },
    { name: "message", kind: "string", required: true, nullable: false },
    { name: "path", kind: "string", required: false, nullable: false },
    { name: "command", kind: "string", required: false, nullable: false }
  ],
  ConversationEvent: [
    { name: "conversation_id", kind: "string", required: true, nullable: false },
    { name: "state", kind: "enum", required: true, nullable: false, ref: "ConversationState" },
    { name: "visitor", kind: "object", required: true, nullable: false, ref: "UserRef" },
    { name: "agent", kind: "object", required: false, nullable: false, ref: "UserRef" },
    { name: "topic", kind: "string", required: false, nullable: false },
    { name: "position", kind: "integer", required: false, nullable: false },
    { name: "reason", kind: "enum", required: false, nullable: false, ref: "ConversationCloseReason" },
    { name: "at", kind: "date-time", required: true, nullable: false }
  ],
  QiangdanEvent: [
    { name: "conversation_id", kind: "string", required: true, nullable: false },
    { name: "visitor", kind: "object", required: true, nullable: false, ref: "UserRef" },
    { name: "topic", kind: "string", required: false, nullable: false },
    { name: "state", kind: "enum", required: true, nullable: false, ref: "QueueState" },
    { name: "agent", kind: "object", required: false, nullable: false, ref: "UserRef" },
    { name: "queued_at", kind: "date-time", required: true, nullable: false },
    { name: "at", kind: "date-time", required: true, nullable: false }
  ],
  NewMessageEvent: [
    { name: "message_id", kind: "string", required: true, nullable: false },
    { name: "conversation_id", kind: "string", required: true, nullable: false },
    { name: "user", kind: "object", required: true, nullable: false, ref: "UserRef" },
    { name: "data", kind: "string", required: true, nullable: false },
    { name: "at", kind: "date-time", required: true, nullable: false }
  ],
  NewMessageUserEvent: [
    { name: "message_id", kind: "string", required: true, nullable: false },
    { name: "conversation_id", kind: "string", required: true, nullable: false },
    { name: "user", kind: "object", required: true, nullable: false, ref: "UserRef" },
    { name: "data", kind: "string", required: true, nullable: false },
    { name: "at", kind: "date-time", required: true, nullable: false }
  ],
  RtransferEvent: [
    { name: "transfer_id", kind: "string", required: true, nullable: false },
    { name: "conversation_id", kind: "string", required: true, nullable: false },
    { name: "from", kind: "object", required: true, nullable: false, ref: "UserRef" },
    { name: "visitor", kind: "object", required: true, nullable: false, ref: "UserRef" },
    { name: "note", kind: "string", required: false, nullable: false },
    { name: "expires_at", kind: "date-time", required: true, nullable: false }
  ],
  TransferEvent: [
    { name: "transfer_id", kind: "string", required: true, nullable: false },
    { name: "conversation_id", kind: "string", required: true, nullable: false },
    { name: "to", kind: "object", required: true, nullable: false, ref: "UserRef" },
    { name: "state", kind: "enum", required: true, nullable: false, ref: "TransferState" },
    { name: "at", kind: "date-time", required: true, nullable: false }
  ],
  TransferErrorEvent: [
    { name: "code", kind: "integer", required: true, nullable: false },
    { name: "error", kind: "string", required: true, nullable: false },
    { name: "message", kind: "string", required: true, nullable: false },
    { name: "transfer_id", kind: "string", required: false, nullable: false },
    { name: "conversation_id", kind: "string", required: false, nullable: false },
    { name: "path", kind: "string", required: false, nullable: false },
    { name: "command", kind: "string", required: false, nullable: false }
  ],
  RefuseTransferEvent: [
    { name: "transfer_id", kind: "string", required: true, nullable: false },
    { name: "conversation_id", kind: "string", required: true, nullable: false },
    { name: "by", kind: "object", required: true, nullable: false, ref: "UserRef" },
    { name: "reason", kind: "string", required: false, nullable: false },
    { name: "at", kind: "date-time", required: true, nullable: false }
  ],
  DayAccessEvent: [
    { name: "date", kind: "string", required: true, nullable: false },
    { name: "count", kind: "integer", required: true, nullable: false },
    { name: "total", kind: "integer", required: true, nullable: false }
  ],
  WomsgEvent: [
    { name: "work_order_id", kind: "string", required: true, nullable: false },
    { name: "title", kind: "string", required: true, nullable: false },
    { name: "body", kind: "string", required: true, nullable: false },
    { name: "status", kind: "enum", required: true, nullable: false, ref: "WorkOrderStatus" },
    { name: "assignee", kind: "object", required: false, nullable: false, ref: "UserRef" },
    { name: "created_by", kind: "object", required: true, nullable: false, ref: "UserRef" },
    { name: "conversation_id", kind: "string", required: false, nullable: false },
    { name: "comment", kind: "string", required: false, nullable: false },
    { name: "at", kind: "date-time", required: true, nullable: false }
  ],
  TimerEvent: [
    { name: "timer_id", kind: "string", required: true, nullable: false },
    { name: "kind", kind: "enum", required: true, nullable: false, ref: "TimerKind" },
    { name: "state", kind: "enum", required: true, nullable: false, ref: "TimerState" },
    { name: "label", kind: "string", required: false, nullable: false },
    { name: "conversation_id", kind: "string", required: false, nullable: false },
    { name: "fires_at", kind: "date-time", required: true, nullable: false },
    { name: "remaining_ms", kind: "integer", required: true, nullable: false }
  ],
  EchoCommand: [
    { name: "data", kind: "string", required: true, nullable: false }
  ],
  PongCommand: [],
  RefreshTokenCommand: [
    { name: "token", kind: "string", required: true, nullable: false }
  ],
  ReceivedCommand: [
    { name: "seq", kind: "integer", required: true, nullable: false }
  ],
  JoinRoomCommand: [
    { name: "room", kind: "string", required: true, nullable: false },
    { name: "since", kind: "integer", required: false, nullable: false }
  ],
  LeaveRoomCommand: [
    { name: "room", kind: "string", required: true, nullable: false }
  ],
  SendRoomMessageCommand: [
    { name: "room", kind: "string", required: true, nullable: false },
    { name: "data", kind: "string", required: true, nullable: false }
  ],
  SendGroupMessageCommand: [
    { name: "data", kind: "string", required: true, nullable: false },
    { name: "include_self", kind: "boolean", required: false, nullable: false }
  ],
  SendPrivateMessageCommand: [
    { name: "to", kind: "string", required: true, nullable: false },
    { name: "data", kind: "string", required: true, nullable: false },
    { name: "namespace", kind: "enum", required: false, nullable: false, ref: "Namespace" }
  ],
  GetOnlineListCommand: [
    { name: "subscribe", kind: "boolean", required: false, nullable: false },
    { name: "full_list", kind: "boolean", required: false, nullable: false }
  ],
  RequestServiceCommand: [
    { name: "topic", kind: "string", required: false, nullable: false },
    { name: "data", kind: "string", required: false, nullable: false }
  ],
  GrabCommand: [
    { name: "conversation_id", kind: "string", required: true, nullable: false }
  ],
  OpenConversationCommand: [
    { name: "conversation_id", kind: "string", required: false, nullable: false }
  ],
  SendMessageCommand: [
    { name: "conversation_id", kind: "string", required: true, nullable: false },
    { name: "data", kind: "string", required: true, nullable: false }
  ],
  CloseConversationCommand: [
    { name: "conversation_id", kind: "string", required: true, nullable: false }
  ],
  RequestTransferCommand: [
    { name: "conversation_id", kind: "string", required: true, nullable: false },
    { name: "to", kind: "string", required: true, nullable: false },
    { name: "note", kind: "string", required: false, nullable: false }
  ],
  AcceptTransferCommand: [
    { name: "transfer_id", kind: "string", required: true, nullable: false }
  ],
  RefuseTransferCommand: [
    { name: "transfer_id", kind: "string", required: true, nullable: false },
    { name: "reason", kind: "string", required: false, nullable: false }
  ],
  GetDayAccessCommand: [],
  CreateWorkOrderCommand: [
    { name: "title", kind: "string", required: true, nullable: false },
    { name: "body", kind: "string", required: true, nullable: false },
    { name: "assignee", kind: "string", required: false, nullable: false },
    { name: "conversation_id", kind: "string", required: false, nullable: false }
  ],
  UpdateWorkOrderCommand: [
    { name: "work_order_id", kind: "string", required: true, nullable: false },
    { name: "status", kind: "enum", required: true, nullable: false, ref: "WorkOrderStatus" },
    { name: "comment", kind: "string", required: false, nullable: false }
  ],
  SetTimerCommand: [
    { name: "delay_ms", kind: "integer", required: true, nullable: false },
    { name: "label", kind: "string", required: false, nullable: false }
  ],
  PushRequest: [
    { name: "topic", kind: "string", required: true, nullable: false },
    { name: "data", kind: "any", required: true, nullable: false }
  ],
  UserPushResult: [
    { name: "message_id", kind: "string", required: true, nullable: false },
    { name: "seq", kind: "integer", required: true, nullable: false },
    { name: "delivered", kind: "integer", required: true, nullable: false }
  ],
  PushResult: [
    { name: "message_id", kind: "string", required: true, nullable: false },
    { name: "delivered", kind: "integer", required: true, nullable: false }
  ],
  OnlineListResult: [
    { name: "namespace", kind: "enum", required: true, nullable: false, ref: "Namespace" },
    { name: "users", kind: "array", required: true, nullable: false, ref: "OnlineUser", items: "object" }
  ],
  AgentDayAccess: [
    { name: "agent", kind: "object", required: true, nullable: false, ref: "UserRef" },
    { name: "count", kind: "integer", required: true, nullable: false }
  ],
  DayAccessStats: [
    { name: "date", kind: "string", required: true, nullable: false },
    { name: "total", kind: "integer", required: true, nullable: false },
    { name: "agents", kind: "array", required: true, nullable: false, ref: "AgentDayAccess", items: "object" }
  ],
  WorkOrder: [
    { name: "work_order_id", kind: "string", required: true, nullable: false },
    { name: "title", kind: "string", required: true, nullable: false },
    { name: "body", kind: "string", required: true, nullable: false },
    { name: "status", kind: "enum", required: true, nullable: false, ref: "WorkOrderStatus" },
    { name: "assignee", kind: "object", required: false, nullable: false, ref: "UserRef" },
    { name: "created_by", kind: "object", required: true, nullable: false, ref: "UserRef" },
    { name: "conversation_id", kind: "string", required: false, nullable: false },
    { name: "comment", kind: "string", required: false, nullable: false },
    { name: "created_at", kind: "date-time", required: true, nullable: false },
    { name: "updated_at", kind: "date-time", required: true, nullable: false }
  ],
  WorkOrderList: [
    { name: "work_orders", kind: "array", required: true, nullable: false, ref: "WorkOrder", items: "object" }
  ],
  CreateWorkOrderRequest: [
    { name: "title", kind: "string", required: true, nullable: false },
    { name: "body", kind: "string", required: true, nullable: false },
    { name: "assignee", kind: "string", required: false, nullable: false },
    { name: "conversation_id", kind: "string", required: false, nullable: false },
    { name: "namespace", kind: "enum", required: false, nullable: false, ref: "Namespace" }
  ],
  UpdateWorkOrderRequest: [
    { name: "status", kind: "enum", required: true, nullable: false, ref: "WorkOrderStatus" },
    { name: "comment", kind: "string", required: false, nullable: false }
  ],
  ConversationSummary: [
    { name: "conversation_id", kind: "string", required: true, nullable: false },
    { name: "state", kind: "enum", required: true, nullable: false, ref: "ConversationState" },
    { name: "visitor", kind: "object", required: true, nullable: false, ref: "UserRef" },
    { name: "agent", kind: "object", required: false, nullable: false, ref: "UserRef" },
    { name: "topic", kind: "string", required: false, nullable: false },
    { name: "queued_at", kind: "date-time", required: true, nullable: false },
    { name: "closed_at", kind: "date-time", required: false, nullable: false },
    { name: "reason", kind: "enum", required: false, nullable: false, ref: "ConversationCloseReason" }
  ],
  ConversationList: [
    { name: "conversations", kind: "array", required: true, nullable: false, ref: "ConversationSummary", items: "object" }
  ],
  ProblemDetails: [
    { name: "type", kind: "string", required: true, nullable: false },
    { name: "title", kind: "string", required: true, nullable: false },
    { name: "status", kind: "integer", required: true, nullable: false },
    { name: "detail", kind: "string", required: false, nullable: false },
    { name: "code", kind: "integer", required: true, nullable: false },
    { name: "error", kind: "string", required: true, nullable: false },
    { name: "path", kind: "string", required: false, nullable: false }
  ],
  HealthStatus: [
    { name: "status", kind: "string", required: true, nullable: false }
  ]
};
var ENUMS = {
  Role: ["user", "visitor", "agent", "admin"],
  Namespace: ["web", "app"],
  Capability: ["chat", "rooms-history", "service-desk", "backend-api", "presence"],
  ConversationState: ["waiting", "active", "closed"],
  ConversationCloseReason: ["visitor", "agent", "idle", "backend"],
  QueueState: ["waiting", "taken", "withdrawn"],
  TransferState: ["pending", "accepted"],
  RoomLeaveReason: ["left", "disconnected"],
  WorkOrderStatus: ["open", "in_progress", "resolved", "closed"],
  TimerKind: ["reminder", "conversation_idle"],
  TimerState: ["scheduled", "fired", "warning"]
};

// src/errors.ts
var SwitchboardError = class extends Error {
  /** The spec's error code, e.g. `ErrorCode.RECIPIENT_UNKNOWN` (3001). */
  code;
  /** The spec's error name, e.g. `"RECIPIENT_UNKNOWN"`. */
  error;
  /** JSONPath of the offending field, when the server gave one. */
  path;
  /** The command that failed, when this is a reply to one. */
  command;
  constructor(code, message, options = {}) {
    super(message);
    this.name = "SwitchboardError";
    this.code = code;
    this.error = options.error ?? ErrorNames[code] ?? String(code);
    this.path = options.path;
    this.command = options.command;
  }
};
var SwitchboardConnectionError = class extends Error {
  close;
  constructor(message, close, options) {
    super(message, options);
    this.name = "SwitchboardConnectionError";
    this.close = close;
  }
};
var SwitchboardTimeoutError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "SwitchboardTimeoutError";
  }
};

// src/codec.ts
var hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
function encodeCommand(command, request, cid) {
  const info = COMMANDS[command];
  if (!info) throw new TypeError(`Unknown command ${command}`);
  return `{"command":${JSON.stringify(command)}${cid === void 0 ? "" : `,"cid":${JSON.stringify(cid)}`},"request":${writeObject(info.schema, request ?? {})}}`;
}
function writeObject(schema, value) {
  const fields = SCHEMAS[schema];
  if (!fields) throw new TypeError(`Unknown schema ${schema}`);
  const obj = value;
  const parts = [];
  for (const f of fields) {
    const v = obj[f.name];
    if (v === void 0 || v === null) continue;
    parts.push(`${JSON.stringify(f.name)}:${writeValue(f.kind, f.ref, f.items, v)}`);
  }
  return `{${parts.join(",")}}`;
}
function writeValue(kind, ref, items, v) {
  switch (kind) {
    case "object":
      return writeObject(ref, v);
    case "array":
      return `[${v.map((x) => x === null ? "null" : writeValue(items ?? "any", ref, void 0, x)).join(",")}]`;
    default:
      return JSON.stringify(v);
  }
}
function decodeEvent(text) {
  let root;
  try {
    root = JSON.parse(text);
  } catch (e) {
    return { kind: "error", error: new SwitchboardError(ErrorCode.MALFORMED_JSON, `Malformed JSON: ${e.message}`) };
  }
  if (!isObject(root)) return { kind: "error", error: new SwitchboardError(ErrorCode.INVALID_ENVELOPE, "A frame must be a JSON object.", { path: "$" }) };
  const cid = typeof root.cid === "string" ? root.cid : void 0;
  const event = root.event;
  if (typeof event !== "string") {
    return { kind: "error", cid, error: new SwitchboardError(ErrorCode.INVALID_ENVELOPE, "The frame has no event name.", { path: "$.event" }) };
  }
  if (!hasOwn(EVENTS, event)) return { kind: "unknown", event, cid };
  try {
    if (root.cid !== void 0 && root.cid !== null && typeof root.cid !== "string") throw invalid("$.cid", "a string");
    let seq;
    if (root.seq !== void 0 && root.seq !== null) {
      if (typeof root.seq !== "number" || !Number.isInteger(root.seq) || root.seq < 1) throw invalid("$.seq", "a positive integer");
      seq = root.seq;
    }
    const response = root.response ?? {};
    checkObject(EVENTS[event].schema, response, "$.response");
    const envelope = { event, response, ...cid === void 0 ? {} : { cid }, ...seq === void 0 ? {} : { seq } };
    return { kind: "event", envelope };
  } catch (e) {
    if (e instanceof SwitchboardError) return { kind: "error", error: e, event, cid };
    throw e;
  }
}
function isObject(v) {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
function invalid(path, expected) {
  return new SwitchboardError(ErrorCode.INVALID_FIELD, `${path} must be ${expected}.`, { path });
}
function checkObject(schema, value, path) {
  if (!isObject(value)) throw invalid(path, "an object");
  for (const f of SCHEMAS[schema]) {
    const v = value[f.name];
    const p = `${path}.${f.name}`;
    if (v === void 0 || v === null) {
      if (f.required) throw new SwitchboardError(ErrorCode.MISSING_FIELD, `${p} is required.`, { path: p });
      continue;
    }
    checkValue(f, f.kind, v, p);
  }
}
function checkValue(f, kind, v, path) {
  switch (kind) {
    case "string":
    case "date-time":
      if (typeof v !== "string") throw invalid(path, "a string");
      return;
    case "integer":
      if (typeof v !== "number" || !Number.isInteger(v)) throw invalid(path, "an integer");
      return;
    case "number":
      if (typeof v !== "number") throw invalid(path, "a number");
      return;
    case "boolean":
      if (typeof v !== "boolean") throw invalid(path, "a boolean");
      return;
    case "enum":
      if (typeof v !== "string") throw invalid(path, `one of ${ENUMS[f.ref].join(", ")}`);
      return;
    case "object":
      checkObject(f.ref, v, path);
      return;
    case "array":
      if (!Array.isArray(v)) throw invalid(path, "an array");
      v.forEach((item, i) => checkValue(f, f.items ?? "any", item, `${path}[${i}]`));
      return;
    default:
      return;
  }
}

// src/generated/commands.ts
var SwitchboardCommands = class {
  /** `ECHO`: Ask the server to send data back. Resolves with `ECHO`, rejects with `ERROR`. */
  echo(request) {
    return this.invoke("ECHO", request);
  }
  /** `PONG`: Answer to PING. (no reply) */
  pong(request = {}) {
    return this.send("PONG", request);
  }
  /** `REFRESH_TOKEN`: Replace the connection's token before it expires. Resolves with `ACK`, rejects with `ERROR`. */
  refreshToken(request) {
    return this.invoke("REFRESH_TOKEN", request);
  }
  /** `RECEIVED`: Confirm the durable stream up to seq. Resolves with `ACK`, rejects with `ERROR`. */
  received(request) {
    return this.invoke("RECEIVED", request);
  }
  /** `JOIN_ROOM`: Join a room of this namespace, optionally replaying its history. Resolves with `ROOM_STATE`, rejects with `ERROR`. */
  joinRoom(request) {
    return this.invoke("JOIN_ROOM", request);
  }
  /** `LEAVE_ROOM`: Leave a room. Resolves with `ACK`, rejects with `ERROR`. */
  leaveRoom(request) {
    return this.invoke("LEAVE_ROOM", request);
  }
  /** `SEND_ROOM_MESSAGE`: Send a message to every member of a room. Resolves with `SEND_MESSAGE_SUCCESS`, rejects with `SEND_MESSAGE_ERROR`. */
  sendRoomMessage(request) {
    return this.invoke("SEND_ROOM_MESSAGE", request);
  }
  /** `SEND_GROUP_MESSAGE`: Send a message to every connection of the namespace. Resolves with `SEND_MESSAGE_SUCCESS`, rejects with `SEND_MESSAGE_ERROR`. */
  sendGroupMessage(request) {
    return this.invoke("SEND_GROUP_MESSAGE", request);
  }
  /** `SEND_PRIVATE_MESSAGE`: Send a durable message to one user. Resolves with `SEND_MESSAGE_SUCCESS`, rejects with `SEND_MESSAGE_ERROR`. */
  sendPrivateMessage(request) {
    return this.invoke("SEND_PRIVATE_MESSAGE", request);
  }
  /** `GET_ONLINE_LIST`: Get the namespace's online users and (un)subscribe to changes. Resolves with `ONLINE_LIST`, rejects with `ERROR`. */
  getOnlineList(request = {}) {
    return this.invoke("GET_ONLINE_LIST", request);
  }
  /** `REQUEST_SERVICE`: A visitor asks for an agent. Resolves with `CONVERSATION`, rejects with `ERROR`. */
  requestService(request = {}) {
    return this.invoke("REQUEST_SERVICE", request);
  }
  /** `GRAB`: An agent claims a waiting conversation (QIANGDAN). Resolves with `CONVERSATION`, rejects with `ERROR`. */
  grab(request) {
    return this.invoke("GRAB", request);
  }
  /** `OPEN_CONVERSATION`: Set (or clear) the agent's open conversation. Resolves with `ACK`, rejects with `ERROR`. */
  openConversation(request = {}) {
    return this.invoke("OPEN_CONVERSATION", request);
  }
  /** `SEND_MESSAGE`: Send a message in a service-desk conversation. Resolves with `SEND_MESSAGE_SUCCESS`, rejects with `SEND_MESSAGE_ERROR`. */
  sendMessage(request) {
    return this.invoke("SEND_MESSAGE", request);
  }
  /** `CLOSE_CONVERSATION`: End a conversation. Resolves with `ACK`, rejects with `ERROR`. */
  closeConversation(request) {
    return this.invoke("CLOSE_CONVERSATION", request);
  }
  /** `REQUEST_TRANSFER`: Ask another agent to take over a conversation. Resolves with `TRANSFER`, rejects with `TRANSFER_ERROR`. */
  requestTransfer(request) {
    return this.invoke("REQUEST_TRANSFER", request);
  }
  /** `ACCEPT_TRANSFER`: The target agent takes over the conversation. Resolves with `ACK`, rejects with `ERROR`. */
  acceptTransfer(request) {
    return this.invoke("ACCEPT_TRANSFER", request);
  }
  /** `REFUSE_TRANSFER`: The target agent declines the transfer. Resolves with `ACK`, rejects with `ERROR`. */
  refuseTransfer(request) {
    return this.invoke("REFUSE_TRANSFER", request);
  }
  /** `GET_DAY_ACCESS`: Read today's DAY_ACCESS counts. Resolves with `DAY_ACCESS`, rejects with `ERROR`. */
  getDayAccess(request = {}) {
    return this.invoke("GET_DAY_ACCESS", request);
  }
  /** `CREATE_WORK_ORDER`: Create a work order. Resolves with `WOMSG`, rejects with `ERROR`. */
  createWorkOrder(request) {
    return this.invoke("CREATE_WORK_ORDER", request);
  }
  /** `UPDATE_WORK_ORDER`: Change a work order's status, optionally with a comment. Resolves with `WOMSG`, rejects with `ERROR`. */
  updateWorkOrder(request) {
    return this.invoke("UPDATE_WORK_ORDER", request);
  }
  /** `SET_TIMER`: Schedule a reminder for this connection. Resolves with `TIMER`, rejects with `ERROR`. */
  setTimer(request) {
    return this.invoke("SET_TIMER", request);
  }
};

// src/clock.ts
var systemClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle)
};

// src/util.ts
function backoffDelay(attempt, o, random) {
  if (attempt < 1) throw new RangeError("attempt must be >= 1");
  let base = o.initialDelayMs * Math.pow(o.multiplier, Math.min(attempt - 1, 64));
  if (!Number.isFinite(base) || base > o.maxDelayMs) base = o.maxDelayMs;
  const factor = 1 - o.jitter + 2 * o.jitter * random();
  return Math.min(o.maxDelayMs, Math.max(0, base * factor));
}
function jwtExpiry(token) {
  const parts = token.split(".");
  if (parts.length !== 3) return void 0;
  try {
    const b64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = atob(b64 + "=".repeat((4 - b64.length % 4) % 4));
    const exp = JSON.parse(json).exp;
    return typeof exp === "number" ? exp * 1e3 : void 0;
  } catch {
    return void 0;
  }
}
function utf8Length(text) {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 128) bytes += 1;
    else if (c < 2048) bytes += 2;
    else if (c >= 55296 && c <= 56319 && i + 1 < text.length && (text.charCodeAt(i + 1) & 64512) === 56320) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

// src/client.ts
var SUBPROTOCOL = "switchboard.v1.json";
var ABNORMAL = 1006;
var SwitchboardClient = class extends SwitchboardCommands {
  options;
  clock;
  handlers = /* @__PURE__ */ new Map();
  anyHandlers = /* @__PURE__ */ new Set();
  stateHandlers = /* @__PURE__ */ new Set();
  pending = /* @__PURE__ */ new Map();
  rooms = /* @__PURE__ */ new Map();
  connection;
  connectedWaiters = [];
  currentState = "disconnected";
  stopRequested = false;
  epoch;
  lastSeq = 0;
  ackedSeq = 0;
  cidCounter = 0;
  rejectedToken;
  repeatedRejectedToken = false;
  session = 0;
  /** Why the last connection ended. */
  lastClose;
  /** Called after a reconnect when the server could not resume the durable stream (events may be lost; reload state). */
  onStreamReset;
  /** Called for each failed connection attempt (attempt 0 = the explicit connect()). */
  onConnectFailed;
  constructor(options) {
    super();
    if (!options || !options.url) throw new TypeError("options.url is required");
    if (options.token === void 0 || options.token === null || options.token === "") throw new TypeError("options.token is required");
    const ws = options.webSocket ?? globalThis.WebSocket;
    if (!ws) throw new TypeError("No WebSocket implementation: pass options.webSocket (e.g. WebSocket from the 'ws' package)");
    const r = options.reconnect ?? {};
    this.clock = options.clock ?? systemClock;
    this.options = {
      url: options.url,
      namespace: options.namespace ?? "web",
      token: options.token,
      webSocket: ws,
      connectTimeoutMs: options.connectTimeoutMs ?? 15e3,
      commandTimeoutMs: options.commandTimeoutMs ?? 3e4,
      ackIntervalMs: options.ackIntervalMs ?? 1e3,
      ackBatchSize: options.ackBatchSize ?? 100,
      tokenRefreshRatio: options.tokenRefreshRatio ?? 0.8,
      rejoinRooms: options.rejoinRooms ?? true,
      random: options.random ?? Math.random,
      reconnect: {
        enabled: r.enabled ?? true,
        maxAttempts: r.maxAttempts ?? 10,
        initialDelayMs: r.initialDelayMs ?? 1e3,
        maxDelayMs: r.maxDelayMs ?? 3e4,
        multiplier: r.multiplier ?? 2,
        jitter: r.jitter ?? 0.5
      },
      ...options.serverTimeoutMs === void 0 ? {} : { serverTimeoutMs: options.serverTimeoutMs }
    };
  }
  /** The current connection state. */
  get state() {
    return this.currentState;
  }
  /** The CONNECT greeting of the current connection (user, limits, epoch); undefined when not connected. */
  get connectInfo() {
    return this.connection?.connect;
  }
  /** The durable stream position: epoch and last seq received (used to resume). */
  get streamPosition() {
    return { epoch: this.epoch, seq: this.lastSeq };
  }
  // ------------------------------------------------------------------ subscriptions
  /** Calls `handler` for every `event` received (in order). Returns a function that unsubscribes. */
  on(event, handler) {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, set = /* @__PURE__ */ new Set());
    const wrapped = (envelope) => handler(envelope.response, envelope);
    set.add(wrapped);
    return () => {
      set.delete(wrapped);
    };
  }
  /** Calls `handler` for every event (replies to this client's commands excluded). Returns a function that unsubscribes. */
  onAny(handler) {
    this.anyHandlers.add(handler);
    return () => {
      this.anyHandlers.delete(handler);
    };
  }
  /** Calls `handler` on every connection state change. Returns a function that unsubscribes. */
  onStateChange(handler) {
    this.stateHandlers.add(handler);
    return () => {
      this.stateHandlers.delete(handler);
    };
  }
  /**
   * The events named `event` as an async iterator (`for await (const m of client.events("PRIVATE_MESSAGE"))`);
   * events are buffered from this call on. Breaking out of the loop unsubscribes; so does `stop()`.
   */
  events(event) {
    const queue = [];
    const waiters = [];
    let done = false;
    const finish = () => {
      done = true;
      unsubscribe();
      unsubscribeState();
      for (const w of waiters.splice(0)) w({ value: void 0, done: true });
    };
    const unsubscribe = this.on(event, (payload) => {
      const w = waiters.shift();
      if (w) w({ value: payload, done: false });
      else queue.push(payload);
    });
    const unsubscribeState = this.onStateChange((c) => {
      if (c.state === "disconnected" && this.stopRequested) finish();
    });
    const iterator = {
      next: () => {
        if (queue.length > 0) return Promise.resolve({ value: queue.shift(), done: false });
        if (done) return Promise.resolve({ value: void 0, done: true });
        return new Promise((resolve) => waiters.push(resolve));
      },
      return: () => {
        finish();
        return Promise.resolve({ value: void 0, done: true });
      },
      close: finish,
      [Symbol.asyncIterator]() {
        return iterator;
      }
    };
    return iterator;
  }
  // ------------------------------------------------------------------ lifecycle
  /**
   * Connects (one attempt, bounded by connectTimeoutMs). After the first successful connection, lost connections are
   * re-established automatically. After `stop()` it can be called again and resumes the durable stream.
   */
  async connect() {
    if (this.currentState !== "disconnected") throw new Error(`The client is ${this.currentState}; call stop() first.`);
    this.stopRequested = false;
    this.rejectedToken = void 0;
    const session = ++this.session;
    this.setState("connecting");
    let connection;
    try {
      connection = await this.establish(session);
    } catch (error) {
      this.onConnectFailed?.(0, error, false);
      const close = error instanceof SwitchboardConnectionError ? error.close : void 0;
      if (close) this.lastClose = close;
      this.setState("disconnected", close, error);
      throw error;
    }
    this.onConnected(connection, this.epoch !== void 0 && this.everConnected);
    return connection.connect;
  }
  everConnected = false;
  /** Sends RECEIVED for what was delivered, closes the connection normally and stops reconnecting. */
  async stop() {
    this.stopRequested = true;
    this.session++;
    const connection = this.connection;
    if (connection && !connection.closed) {
      try {
        await this.flushAck(connection);
      } catch {
      }
      await new Promise((resolve) => {
        connection.onClosed.push(() => resolve());
        const timer = this.clock.setTimeout(() => this.teardown(connection, { code: CloseCode.NORMAL, reason: "stopped by the client", retryable: false }), 2e3);
        connection.onClosed.push(() => this.clock.clearTimeout(timer));
        try {
          connection.socket.close(1e3, "bye");
        } catch {
          this.teardown(connection, { code: CloseCode.NORMAL, reason: "stopped by the client", retryable: false });
        }
      });
    }
    const close = { code: CloseCode.NORMAL, reason: "stopped by the client", retryable: false };
    this.lastClose = close;
    this.failPending(void 0, close);
    this.failWaiters(new SwitchboardConnectionError("The client was stopped.", close));
    this.setState("disconnected", close);
  }
  /** Sends RECEIVED with the last durable seq received now (also sent automatically). */
  async acknowledge() {
    if (this.connection) await this.flushAck(this.connection);
  }
  // ------------------------------------------------------------------ commands
  /** Sends a command with a fresh cid and resolves with its typed success reply (rejects with SwitchboardError). */
  async invoke(command, request) {
    const info = COMMANDS[command];
    if (!info) throw new TypeError(`Unknown command ${command}`);
    if (info.reply === null) throw new TypeError(`${command} has no reply; use send()`);
    if (command === "JOIN_ROOM" && this.options.rejoinRooms) {
      const r = request;
      this.rooms.set(r.room, r.since ?? this.rooms.get(r.room) ?? -1);
    }
    if (command === "LEAVE_ROOM") this.rooms.delete(request.room);
    const envelope = await this.invokeCore(command, request);
    if (envelope.event === info.reply) return envelope.response;
    const error = toError(envelope, command);
    if (command === "JOIN_ROOM") this.rooms.delete(request.room);
    throw error ?? new SwitchboardError(ErrorCode.INVALID_ENVELOPE, `Unexpected reply ${envelope.event} to ${command}; expected ${info.reply}.`, { command });
  }
  /** Sends a command without cid (fire-and-forget; the server sends no success reply, errors arrive as ERROR events). */
  async send(command, request) {
    const deadline = this.clock.now() + this.options.commandTimeoutMs;
    const connection = await this.waitForConnection(deadline, command);
    await this.write(connection, encodeCommand(command, request), command);
  }
  async invokeCore(command, request) {
    const deadline = this.clock.now() + this.options.commandTimeoutMs;
    const cid = `c${++this.cidCounter}`;
    const connection = await this.waitForConnection(deadline, command);
    const frame = encodeCommand(command, request, cid);
    return await new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.pending.delete(cid);
        reject(new SwitchboardTimeoutError(`No reply to ${command} (cid ${cid}) within ${this.options.commandTimeoutMs} ms.`));
      }, Math.max(0, deadline - this.clock.now()));
      this.pending.set(cid, {
        command,
        connection,
        resolve: (e) => {
          this.clock.clearTimeout(timer);
          resolve(e);
        },
        reject: (e) => {
          this.clock.clearTimeout(timer);
          reject(e);
        }
      });
      this.write(connection, frame, command).catch((e) => {
        const error = e instanceof SwitchboardError ? e : new SwitchboardConnectionError(`${command} could not be sent: ${String(e)}`, this.lastClose, { cause: e });
        this.pending.get(cid)?.reject(error);
        this.pending.delete(cid);
      });
    });
  }
  waitForConnection(deadline, command) {
    if (this.connection && !this.connection.closed) return Promise.resolve(this.connection);
    if (this.currentState === "disconnected" || this.stopRequested) {
      return Promise.reject(new SwitchboardConnectionError("The client is not connected; call connect() first.", this.lastClose));
    }
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.connectedWaiters = this.connectedWaiters.filter((w) => w !== waiter);
        reject(new SwitchboardTimeoutError(`${command}: no connection within ${this.options.commandTimeoutMs} ms.`));
      }, Math.max(0, deadline - this.clock.now()));
      const waiter = {
        resolve: (c) => {
          this.clock.clearTimeout(timer);
          resolve(c);
        },
        reject: (e) => {
          this.clock.clearTimeout(timer);
          reject(e);
        }
      };
      this.connectedWaiters.push(waiter);
    });
  }
  /**
   * Writes a frame, in order, paced to the server's advertised rate limit (token bucket). The client keeps 10% below
   * the advertised rate and burst: frames sent apart can arrive together, and the server counts them on arrival.
   */
  write(connection, frame, command) {
    const max = connection.connect.max_message_bytes;
    if (max > 0 && frame.length > max / 3) {
      const size = utf8Length(frame);
      if (size > max) {
        return Promise.reject(
          new SwitchboardError(ErrorCode.MESSAGE_TOO_LARGE, `The ${command} envelope is ${size} bytes; the server accepts at most ${max} (max_message_bytes).`, { command })
        );
      }
    }
    const rate = connection.connect.rate_limit_per_second * 0.9;
    const burst = Math.max(1, Math.floor(connection.connect.rate_limit_burst * 0.9));
    const step = connection.sendChain.then(async () => {
      if (rate > 0) {
        for (; ; ) {
          const now = this.clock.now();
          connection.tokens = Math.min(burst, connection.tokens + (now - connection.tokensAt) * rate / 1e3);
          connection.tokensAt = now;
          if (connection.tokens >= 1) break;
          await sleep(this.clock, Math.ceil((1 - connection.tokens) * 1e3 / rate));
        }
        connection.tokens -= 1;
      }
      if (connection.closed || connection.socket.readyState !== 1) throw new Error("the connection is closed");
      connection.socket.send(frame);
    });
    connection.sendChain = step.catch(() => void 0);
    return step;
  }
  // ------------------------------------------------------------------ connection
  async resolveToken() {
    const t = this.options.token;
    const token = typeof t === "function" ? await t() : t;
    if (!token) throw new SwitchboardConnectionError("The token provider returned an empty token.");
    return token;
  }
  buildUrl(token) {
    let base = this.options.url;
    if (!/^[a-z]+:/i.test(base) && typeof location !== "undefined") base = new URL(base, location.href).href;
    const url = new URL(base);
    if (url.protocol === "http:") url.protocol = "ws:";
    if (url.protocol === "https:") url.protocol = "wss:";
    url.pathname = url.pathname.replace(/\/+$/, "") + "/" + this.options.namespace;
    url.searchParams.set("access_token", token);
    if (this.epoch !== void 0) {
      url.searchParams.set("since", String(this.lastSeq));
      url.searchParams.set("epoch", this.epoch);
    }
    return url.href;
  }
  async establish(session) {
    this.repeatedRejectedToken = false;
    const token = await withTimeout(this.clock, this.resolveToken(), this.options.connectTimeoutMs, "getting a token");
    if (this.rejectedToken !== void 0 && token === this.rejectedToken) {
      this.repeatedRejectedToken = true;
      throw new SwitchboardConnectionError("The server rejected the access token (4401) and the token provider returned the same token again.", {
        code: CloseCode.UNAUTHORIZED,
        reason: "token rejected",
        retryable: false
      });
    }
    if (session !== this.session) throw new SwitchboardConnectionError("The client was stopped.");
    const socket = new this.options.webSocket(this.buildUrl(token), SUBPROTOCOL);
    return await new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error) => {
        if (settled) return;
        settled = true;
        this.clock.clearTimeout(timer);
        socket.onopen = socket.onmessage = socket.onerror = null;
        socket.onclose = null;
        try {
          socket.close();
        } catch {
        }
        reject(error);
      };
      const timer = this.clock.setTimeout(
        () => fail(new SwitchboardTimeoutError(`Connecting to namespace '${this.options.namespace}' timed out after ${this.options.connectTimeoutMs} ms.`)),
        this.options.connectTimeoutMs
      );
      socket.onerror = () => {
      };
      socket.onclose = (ev) => {
        const close = { code: ev.code || ABNORMAL, reason: ev.reason || "the connection closed before CONNECT", retryable: isRetryable(ev.code || ABNORMAL) };
        if (close.code === CloseCode.UNAUTHORIZED) this.rejectedToken = token;
        fail(new SwitchboardConnectionError(`The server refused the connection: ${close.code} ${close.reason}`, close));
      };
      socket.onmessage = (ev) => {
        if (settled) return;
        const read = decodeEvent(String(ev.data));
        if (read.kind === "event" && read.envelope.event === "CONNECT") {
          settled = true;
          this.clock.clearTimeout(timer);
          this.rejectedToken = void 0;
          const now = this.clock.now();
          const connect = read.envelope.response;
          const connection = {
            socket,
            connect,
            token,
            lastReceived: now,
            closed: false,
            onClosed: [],
            early: [],
            tokens: Math.max(1, Math.floor(connect.rate_limit_burst * 0.9)),
            tokensAt: now,
            sendChain: Promise.resolve()
          };
          socket.onmessage = (e) => void connection.early.push(String(e.data));
          socket.onclose = (e) => void (connection.earlyClose = { code: e.code, reason: e.reason });
          resolve(connection);
          return;
        }
        if (read.kind === "event" && read.envelope.event === "CLOSE") {
          const c = read.envelope.response;
          const close = { code: c.code, reason: c.reason, retryable: c.retryable };
          if (close.code === CloseCode.UNAUTHORIZED) this.rejectedToken = token;
          fail(new SwitchboardConnectionError(`The server refused the connection: ${close.code} ${close.reason}`, close));
          return;
        }
        fail(new SwitchboardConnectionError("Expected CONNECT as the first frame.", { code: CloseCode.PROTOCOL_ERROR, reason: "expected CONNECT", retryable: false }));
      };
    });
  }
  onConnected(connection, isReconnect) {
    const connect = connection.connect;
    if (this.epoch !== connect.epoch) {
      this.lastSeq = 0;
      this.ackedSeq = 0;
    }
    this.epoch = connect.epoch;
    this.everConnected = true;
    this.connection = connection;
    const socket = connection.socket;
    socket.onmessage = (ev) => {
      connection.lastReceived = this.clock.now();
      this.handleFrame(connection, String(ev.data));
    };
    socket.onclose = (ev) => {
      const code = ev.code || ABNORMAL;
      this.teardown(connection, connection.serverClose ?? { code, reason: ev.reason || "the connection closed", retryable: isRetryable(code) });
    };
    socket.onerror = () => {
    };
    this.startMaintenance(connection);
    this.setState("connected");
    for (const w of this.connectedWaiters.splice(0)) w.resolve(connection);
    this.dispatch({ event: "CONNECT", response: connect });
    if (isReconnect && !connect.recovered) this.onStreamReset?.(connect);
    for (const frame of connection.early.splice(0)) this.handleFrame(connection, frame);
    if (connection.earlyClose) {
      const code = connection.earlyClose.code || ABNORMAL;
      this.teardown(connection, connection.serverClose ?? { code, reason: connection.earlyClose.reason || "the connection closed", retryable: isRetryable(code) });
      return;
    }
    if (isReconnect && this.rooms.size > 0) void this.rejoinRooms(connection);
  }
  startMaintenance(connection) {
    const serverTimeout = this.options.serverTimeoutMs ?? (connection.connect.ping_interval_ms > 0 ? connection.connect.ping_interval_ms : 25e3) + 1e4;
    const period = Math.max(50, Math.min(1e3, this.options.ackIntervalMs > 0 ? this.options.ackIntervalMs : 1e3, serverTimeout / 4));
    let lastAck = this.clock.now();
    const tick = () => {
      if (connection.closed) return;
      const now = this.clock.now();
      if (now - connection.lastReceived > serverTimeout) {
        this.teardown(connection, { code: ABNORMAL, reason: `no data from the server for ${now - connection.lastReceived} ms`, retryable: true });
        return;
      }
      if (this.options.ackIntervalMs > 0 && now - lastAck >= this.options.ackIntervalMs) {
        lastAck = now;
        this.flushAck(connection).catch(() => void 0);
      }
      connection.maintenanceTimer = this.clock.setTimeout(tick, period);
    };
    connection.maintenanceTimer = this.clock.setTimeout(tick, period);
    this.scheduleRefresh(connection, connection.token);
  }
  scheduleRefresh(connection, token, expiresAtMs) {
    if (connection.refreshTimer) this.clock.clearTimeout(connection.refreshTimer);
    connection.refreshTimer = void 0;
    const ratio = this.options.tokenRefreshRatio;
    const exp = expiresAtMs ?? jwtExpiry(token);
    if (ratio <= 0 || exp === void 0 || typeof this.options.token !== "function") return;
    const remaining = exp - this.clock.now();
    if (remaining <= 0) return;
    connection.refreshTimer = this.clock.setTimeout(() => void this.refreshInBand(connection), Math.min(remaining * ratio, 2 ** 31 - 1));
  }
  async refreshInBand(connection) {
    if (connection.closed) return;
    try {
      const token = await this.resolveToken();
      const ack = await this.refreshToken({ token });
      if (connection.closed) return;
      connection.token = token;
      const fromToken = jwtExpiry(token);
      this.scheduleRefresh(connection, token, fromToken ?? (ack.expires_at ? Date.parse(ack.expires_at) : void 0));
    } catch {
      if (!connection.closed) connection.refreshTimer = this.clock.setTimeout(() => void this.refreshInBand(connection), 5e3);
    }
  }
  handleFrame(connection, text) {
    const read = decodeEvent(text);
    if (read.kind === "unknown") return;
    if (read.kind === "error") {
      if (read.cid !== void 0) {
        const p = this.pending.get(read.cid);
        if (p) {
          this.pending.delete(read.cid);
          p.reject(read.error);
        }
      }
      return;
    }
    const envelope = read.envelope;
    switch (envelope.event) {
      case "PING":
        this.write(connection, encodeCommand("PONG", {}), "PONG").catch(() => void 0);
        return;
      case "CLOSE": {
        const c = envelope.response;
        connection.serverClose = { code: c.code, reason: c.reason, retryable: c.retryable };
        this.dispatch(envelope);
        return;
      }
    }
    if (envelope.cid !== void 0) {
      const p = this.pending.get(envelope.cid);
      if (p) {
        this.pending.delete(envelope.cid);
        p.resolve(envelope);
      }
      if (envelope.seq === void 0) {
        if (envelope.event === "ROOM_STATE") {
          const s = envelope.response;
          if (this.rooms.has(s.room)) this.rooms.set(s.room, Math.max(this.rooms.get(s.room), s.seq));
        }
        return;
      }
    }
    if (envelope.seq !== void 0 && envelope.seq <= this.lastSeq) return;
    if (envelope.event === "ROOM_MESSAGE") {
      const m = envelope.response;
      const last = this.rooms.get(m.room);
      if (last !== void 0) {
        if (m.room_seq <= last) return;
        this.rooms.set(m.room, m.room_seq);
      }
    }
    this.dispatch(envelope);
    if (envelope.seq !== void 0) {
      this.lastSeq = envelope.seq;
      if (this.options.ackBatchSize > 0 && this.lastSeq - this.ackedSeq >= this.options.ackBatchSize) {
        this.flushAck(connection).catch(() => void 0);
      }
    }
  }
  dispatch(envelope) {
    for (const h2 of [...this.handlers.get(envelope.event) ?? []]) {
      try {
        h2(envelope);
      } catch (e) {
        reportHandlerError(e);
      }
    }
    for (const h2 of [...this.anyHandlers]) {
      try {
        h2(envelope);
      } catch (e) {
        reportHandlerError(e);
      }
    }
  }
  async flushAck(connection) {
    const seq = this.lastSeq;
    if (seq <= this.ackedSeq || connection.closed) return;
    await this.write(connection, encodeCommand("RECEIVED", { seq }), "RECEIVED");
    if (seq > this.ackedSeq) this.ackedSeq = seq;
  }
  async rejoinRooms(connection) {
    for (const [room, last] of [...this.rooms]) {
      if (connection.closed) return;
      try {
        await this.invoke("JOIN_ROOM", last >= 0 ? { room, since: last } : { room });
      } catch {
      }
    }
  }
  teardown(connection, close) {
    if (connection.closed) return;
    connection.closed = true;
    if (connection.maintenanceTimer !== void 0) this.clock.clearTimeout(connection.maintenanceTimer);
    if (connection.refreshTimer) this.clock.clearTimeout(connection.refreshTimer);
    const socket = connection.socket;
    socket.onmessage = socket.onerror = null;
    socket.onclose = null;
    try {
      socket.close();
    } catch {
    }
    if (this.connection === connection) this.connection = void 0;
    this.lastClose = close;
    this.failPending(connection, close);
    for (const cb of connection.onClosed.splice(0)) cb(close);
    if (this.stopRequested) return;
    if (!this.options.reconnect.enabled || this.options.reconnect.maxAttempts === 0 || !this.canRetry(close)) {
      this.goDisconnected(close);
      return;
    }
    this.setState("reconnecting", close);
    void this.reconnect(this.session);
  }
  canRetry(close) {
    return close.retryable || close.code === CloseCode.UNAUTHORIZED && !this.repeatedRejectedToken;
  }
  async reconnect(session) {
    const r = this.options.reconnect;
    let lastError;
    for (let attempt = 1; attempt <= r.maxAttempts; attempt++) {
      await sleep(this.clock, backoffDelay(attempt, r, this.options.random));
      if (session !== this.session || this.stopRequested) return;
      try {
        const connection = await this.establish(session);
        if (session !== this.session || this.stopRequested) {
          connection.socket.close(1e3, "bye");
          return;
        }
        this.onConnected(connection, true);
        return;
      } catch (error) {
        lastError = error;
        const close = error instanceof SwitchboardConnectionError ? error.close : void 0;
        const willRetry = attempt < r.maxAttempts && (close === void 0 || this.canRetry(close));
        this.onConnectFailed?.(attempt, error, willRetry);
        if (close) this.lastClose = close;
        if (!willRetry) break;
      }
    }
    if (session !== this.session || this.stopRequested) return;
    this.goDisconnected(this.lastClose ?? { code: ABNORMAL, reason: String(lastError), retryable: true }, lastError);
  }
  goDisconnected(close, error) {
    this.lastClose = close;
    this.failPending(void 0, close);
    this.failWaiters(new SwitchboardConnectionError(`Disconnected: ${close.code} ${close.reason}`, close));
    this.setState("disconnected", close, error);
  }
  failPending(connection, close) {
    for (const [cid, p] of [...this.pending]) {
      if (connection === void 0 || p.connection === connection) {
        this.pending.delete(cid);
        p.reject(
          new SwitchboardConnectionError(
            `The connection closed (${close.code} ${close.reason}) before the reply to ${p.command} arrived; the command may or may not have been processed.`,
            close
          )
        );
      }
    }
  }
  failWaiters(error) {
    for (const w of this.connectedWaiters.splice(0)) w.reject(error);
  }
  setState(state, close, error) {
    const previous = this.currentState;
    if (previous === state) return;
    this.currentState = state;
    const change = { previous, state, ...close ? { close } : {}, ...error === void 0 ? {} : { error } };
    for (const h2 of [...this.stateHandlers]) {
      try {
        h2(change);
      } catch (e) {
        reportHandlerError(e);
      }
    }
  }
};
function toError(envelope, command) {
  switch (envelope.event) {
    case "ERROR":
    case "SEND_MESSAGE_ERROR":
    case "TRANSFER_ERROR": {
      const e = envelope.response;
      return new SwitchboardError(e.code, e.message, { error: e.error, command, ...e.path === void 0 ? {} : { path: e.path } });
    }
    default:
      return void 0;
  }
}
function isRetryable(code) {
  if ([1001, 1006, 1011, 1012, 1013, 1014].includes(code)) return true;
  return RetryableCloseCodes.has(code);
}
function sleep(clock, ms) {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}
function withTimeout(clock, promise, ms, what) {
  return new Promise((resolve, reject) => {
    const timer = clock.setTimeout(() => reject(new SwitchboardTimeoutError(`${what} timed out after ${ms} ms.`)), ms);
    promise.then(
      (v) => {
        clock.clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clock.clearTimeout(timer);
        reject(e);
      }
    );
  });
}
function reportHandlerError(e) {
  setTimeout(() => {
    throw e;
  }, 0);
}

// pages/common.ts
var $ = (id) => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} missing`);
  return e;
};
function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}
function userIdFor(name) {
  const id = name.trim().toLowerCase().replace(/[^a-z0-9_.@-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 64);
  return id || "guest";
}
function time(at) {
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}
function who(u) {
  return u.name && u.name !== u.id ? `${u.name} (${u.id})` : u.id;
}
function logLine(log, kind, text, at) {
  const line = h("div", { class: `line ${kind}`, "data-kind": kind }, h("span", { class: "at" }, at ? time(at) : time((/* @__PURE__ */ new Date()).toISOString())), " ", text);
  log.append(line);
  log.scrollTop = log.scrollHeight;
  return line;
}
function describeError(e) {
  if (e instanceof SwitchboardError) return `${e.error} (${e.code}): ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}
async function demoToken(user, name, role) {
  const r = await fetch("/demo/token", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ user, name, role }) });
  if (r.status === 404) throw new Error("demo-off");
  if (!r.ok) throw new Error(`demo sign-in failed: ${r.status} ${await r.text()}`);
  return (await r.json()).token;
}
function signIn(role, ready) {
  const form = $("signin-form");
  const nameInput = $("name");
  const tokenRow = $("token-row");
  const tokenInput = $("token");
  const error = $("signin-error");
  const status = $("status");
  const key = `switchboard.${role}.name`;
  const me = { id: "", name: "", role };
  let identity = { user: "", name: "", pasted: "" };
  let first;
  let client;
  const wire = () => {
    const c = new SwitchboardClient({
      url: location.origin,
      // called on every (re)connect and before the short-lived demo token expires (in-band refresh)
      token: () => {
        if (identity.pasted) return identity.pasted;
        const t = first;
        first = void 0;
        return t ?? demoToken(identity.user, identity.name, role);
      }
    });
    c.onStateChange((change) => {
      status.textContent = change.state + (change.close && change.state !== "connected" ? ` (${change.close.code} ${change.close.reason})` : "");
      status.dataset.state = change.state;
      document.body.dataset.state = change.state;
    });
    c.on("CONNECT", (connect) => void Object.assign(me, connect.user));
    ready(c, me);
    return c;
  };
  const start = async () => {
    error.textContent = "";
    const name = nameInput.value.trim();
    const pasted = tokenInput.value.trim();
    if (!name && !pasted) return;
    const user = userIdFor(name);
    first = void 0;
    if (!pasted) {
      try {
        first = await demoToken(user, name, role);
      } catch (e) {
        if (e.message === "demo-off") {
          tokenRow.hidden = false;
          error.textContent = "The demo sign-in is off on this server (it answers only when the server listens on loopback only and Switchboard:Web:DemoSignIn is true). Paste a token from `dotnet run --project src/ReferenceServer -- token --user <id> --role " + role + "`.";
          return;
        }
        error.textContent = describeError(e);
        return;
      }
    }
    identity = { user, name, pasted };
    client ??= wire();
    try {
      const connect = await client.connect();
      sessionStorage.setItem(key, name);
      form.closest("section").hidden = true;
      $("me").textContent = who(connect.user);
      document.body.dataset.user = connect.user.id;
    } catch (e) {
      error.textContent = describeError(e);
    }
  };
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    void start();
  });
  const saved = sessionStorage.getItem(key);
  if (saved) {
    nameInput.value = saved;
    void start();
  }
}

// pages/visitor.ts
signIn("visitor", (client, me) => {
  $("app").hidden = false;
  const log = $("log");
  const state = $("conversation-state");
  let conversation;
  const show = (c) => {
    conversation = c;
    document.body.dataset.conversation = c.state;
    const text = c.state === "waiting" ? `waiting for an agent${c.position ? ` (position ${c.position})` : ""}` : c.state === "active" ? `talking with ${c.agent ? who(c.agent) : "an agent"}` : `closed${c.reason ? ` (reason: ${c.reason})` : ""}`;
    state.textContent = text;
    $("request-form").hidden = c.state !== "closed";
    $("chat-form").hidden = c.state !== "active";
    $("close-button").hidden = c.state === "closed";
  };
  client.on("CONVERSATION", (c) => {
    if (conversation && c.conversation_id !== conversation.conversation_id && c.state === "closed") return;
    const before = conversation?.state;
    show(c);
    if (c.state === "active" && before !== "active") logLine(log, "system", `${c.agent ? who(c.agent) : "An agent"} joined`, c.at);
    if (c.state === "closed" && before !== "closed") logLine(log, "system", `Conversation closed${c.reason ? ` (${c.reason})` : ""}`, c.at);
  });
  const onMessage = (m) => {
    if (m.user.id === me.id) return;
    logLine(log, "agent", `${who(m.user)}: ${m.data}`, m.at);
  };
  client.on("NEW_MESSAGE", onMessage);
  client.on("NEW_MESSAGE_USER", onMessage);
  $("request-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const topic = $("topic").value.trim();
    client.requestService(topic ? { topic } : {}).then(
      (c) => {
        show(c);
        logLine(log, "system", `Asked for service${topic ? ` about “${topic}”` : ""}`, c.at);
      },
      (e) => logLine(log, "error", describeError(e))
    );
  });
  $("chat-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const input = $("text");
    const data = input.value;
    if (!data || !conversation) return;
    input.value = "";
    client.sendMessage({ conversation_id: conversation.conversation_id, data }).then(
      (r) => void logLine(log, "me", `you: ${data}`, r.at),
      (e) => logLine(log, "error", describeError(e))
    );
  });
  $("close-button").addEventListener("click", () => {
    if (!conversation) return;
    client.closeConversation({ conversation_id: conversation.conversation_id }).catch((e) => logLine(log, "error", describeError(e)));
  });
  state.textContent = "not in service";
  $("chat-form").hidden = true;
  $("close-button").hidden = true;
});
