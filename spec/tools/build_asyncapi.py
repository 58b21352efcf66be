#!/usr/bin/env python3
"""Builds spec/asyncapi.yaml from the tables below.

The tables in this file are the single source for the machine-readable spec: edit them, then run
`python3 spec/tools/build_asyncapi.py` and commit both files. `spec/tools/validate_vectors.py --check-build`
fails when spec/asyncapi.yaml is not what this script produces.

Naming rules (the C# generator depends on them, keep them stable):
- components.messages key: PascalCase(wire name) for events (`NewMessage`), PascalCase(wire name) + "Command"
  for commands (`SendMessageCommand`) - ECHO and REFUSE_TRANSFER exist in both directions.
- components.schemas payload key: PascalCase(wire name) + "Event" / "Command".
"""
from __future__ import annotations

import os
import sys
from collections import OrderedDict

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "asyncapi.yaml")


def pascal(wire: str) -> str:
    return "".join(p[:1].upper() + p[1:].lower() for p in wire.replace("-", "_").split("_") if p)


# ---------------------------------------------------------------------------------------------------------------
# property helpers (only the keywords the contract allows)
def S(desc, **kw):
    d = {"type": "string"}
    d.update(kw)
    d["description"] = desc
    return d


def T(desc):
    return {"type": "string", "format": "date-time", "description": desc}


def I(desc, fmt="int64", **kw):
    d = {"type": "integer", "format": fmt}
    d.update(kw)
    d["description"] = desc
    return d


def B(desc, **kw):
    d = {"type": "boolean"}
    d.update(kw)
    d["description"] = desc
    return d


def R(name, desc):
    return {"$ref": f"#/components/schemas/{name}", "description": desc}


def A(item_ref, desc):
    return {"type": "array", "items": {"$ref": f"#/components/schemas/{item_ref}"}, "description": desc}


def ANY(desc):
    return {"description": desc}


def obj(desc, props, required):
    d = {"type": "object", "description": desc}
    if required:
        d["required"] = list(required)
    d["properties"] = props
    return d


ID_DESC = "Opaque server-generated id (26-character ULID-like string in the reference server)."
MSG_ID = S("Server-generated unique message id. " + ID_DESC, minLength=1, maxLength=64)
CONV_ID = S("Conversation id (opaque).", minLength=1, maxLength=64)
DATA = S("Message body (UTF-8 text, at least 1 character; the whole frame is bounded by max_message_bytes).", minLength=1)
AT = T("Server time the event was produced (RFC 3339 UTC, milliseconds).")
USER_ID_PATTERN = "^[A-Za-z0-9_.@-]{1,64}$"
ERR_CODE = I("Error code from the error registry (x-error-codes).", fmt="int32", minimum=1000, maximum=5999)
ERR_NAME = S("Error name from the error registry, e.g. MALFORMED_JSON.")
ERR_MSG = S("Human-readable description. Not stable; do not parse.")
ERR_PATH = S("JSON path of the offending field, e.g. `$.request.data` (present when a single field is at fault).")

# ---------------------------------------------------------------------------------------------------------------
# shared schemas
ENUMS = OrderedDict([
    ("Role", (["user", "visitor", "agent", "admin"], "Role claim of the token (`role`). Default `user`.")),
    ("Namespace", (["web", "app"], "Namespace name on the wire: `web` (endpoint /web, PC web clients) or `app` (endpoint /app, mobile apps).")),
    ("Capability", (["chat", "rooms-history", "service-desk", "backend-api", "presence"],
                    "Feature set a server declares in CONNECT.capabilities.")),
    ("ConversationState", (["waiting", "active", "closed"], "Service-desk conversation state.")),
    ("ConversationCloseReason", (["visitor", "agent", "idle", "backend"], "Why a conversation was closed.")),
    ("QueueState", (["waiting", "taken", "withdrawn"], "QIANGDAN state of a queued conversation.")),
    ("TransferState", (["pending", "accepted"], "State carried by a TRANSFER event.")),
    ("RoomLeaveReason", (["left", "disconnected"], "Why a user left a room.")),
    ("WorkOrderStatus", (["open", "in_progress", "resolved", "closed"], "Work-order status.")),
    ("TimerKind", (["reminder", "conversation_idle"], "What a TIMER is about.")),
    ("TimerState", (["scheduled", "fired", "warning"], "TIMER state.")),
])

SHARED = OrderedDict()
SHARED["Cid"] = S("Correlation id chosen by the client (1-64 characters). Echoed on the direct reply.", minLength=1, maxLength=64)
SHARED["Seq"] = I("Position of a durable event in the recipient's stream (1, 2, 3 ...). Present only on durable events.", minimum=1)
SHARED["UserRef"] = obj("A user as other users see it.", OrderedDict([
    ("id", S("User id (`sub` claim).", pattern=USER_ID_PATTERN)),
    ("name", S("Display name (`name` claim, default = id).")),
    ("role", R("Role", "Role claim of the user's token.")),
]), ["id", "name", "role"])
SHARED["OnlineUser"] = obj("A user with at least one open connection in a namespace.", OrderedDict([
    ("id", S("User id.", pattern=USER_ID_PATTERN)),
    ("name", S("Display name.")),
    ("role", R("Role", "Role of the user's most recent connection.")),
    ("connections", I("Number of the user's open connections in the namespace (>= 1).", fmt="int32", minimum=1)),
]), ["id", "name", "role", "connections"])

# ---------------------------------------------------------------------------------------------------------------
# events: wire name -> (title, summary, description, delivery, requirements, properties, required)
EVENTS = OrderedDict()


def event(name, title, summary, description, delivery, reqs, props, required):
    EVENTS[name] = dict(title=title, summary=summary, description=description, delivery=delivery,
                        reqs=reqs, props=OrderedDict(props), required=required)


event("CONNECT", "Connected", "First frame of every authenticated connection.",
      "Sent once, as the first frame, after the token was accepted. Carries the connection's identity, the "
      "durable stream position (epoch, seq), the resume outcome (recovered, missed) and the limits the server "
      "enforces on this connection. Replayed durable events (missed) follow immediately.",
      "live", ["SB-HS-006", "SB-HS-007", "SB-HS-008", "SB-HS-009", "SB-DLV-005", "SB-DLV-006", "SB-LIM-006"], [
          ("client_id", S("Unique id of this connection (never reused).", minLength=1, maxLength=128)),
          ("user", R("UserRef", "The authenticated user.")),
          ("namespace", R("Namespace", "Namespace of this connection.")),
          ("protocol", S("Negotiated protocol, always `switchboard.v1.json` in v1.")),
          ("server", S("Server product and version, e.g. `Switchboard.ReferenceServer/1.0.0`. Informational.")),
          ("epoch", S("Epoch of the user's durable stream in this namespace (changes when the stream is recreated).", minLength=1)),
          ("seq", I("Last seq in the user's durable stream (0 when empty).", minimum=0)),
          ("recovered", B("True when every durable event the client asked for (since, or acked_seq) could be replayed.")),
          ("missed", I("Number of durable events replayed right after this CONNECT.", fmt="int32", minimum=0)),
          ("ping_interval_ms", I("Interval of server PING events.", fmt="int32", minimum=1)),
          ("idle_timeout_ms", I("The server closes with 4408 when it received nothing for this long.", fmt="int32", minimum=1)),
          ("max_message_bytes", I("Largest accepted text frame payload in bytes (larger -> CLOSE 4413).", fmt="int32", minimum=1)),
          ("rate_limit_per_second", I("Sustained command rate per connection.", fmt="int32", minimum=1)),
          ("rate_limit_burst", I("Command burst per connection (token bucket size).", fmt="int32", minimum=1)),
          ("capabilities", {"type": "array", "items": {"$ref": "#/components/schemas/Capability"},
                            "description": "Feature sets this server implements."}),
      ], ["client_id", "user", "namespace", "protocol", "server", "epoch", "seq", "recovered", "missed",
          "ping_interval_ms", "idle_timeout_ms", "max_message_bytes", "rate_limit_per_second", "rate_limit_burst",
          "capabilities"])

event("CLOSE", "Closing", "Sent right before a server-initiated close.",
      "The server sends CLOSE as the last frame and then closes the WebSocket with the same code. "
      "`retryable` tells the client whether reconnecting can succeed (see x-close-codes).",
      "live", ["SB-CLOSE-001", "SB-CLOSE-002", "SB-AUTH-003", "SB-AUTH-005"], [
          ("code", I("Close code (x-close-codes), equal to the WebSocket close status.", fmt="int32", minimum=1000, maximum=4999)),
          ("reason", S("Short reason, equal to the WebSocket close reason (<= 123 bytes).")),
          ("retryable", B("Whether the client should reconnect (after backoff / with a new token).")),
      ], ["code", "reason", "retryable"])

event("ERROR", "Error", "Error reply to a command (or to a frame that could not be read).",
      "Reply to a command that failed, carrying the command's cid when it had a readable one. Also sent (without "
      "cid) for frames that are not a valid envelope. The connection stays open unless a CLOSE follows.",
      "reply", ["SB-CODEC-001", "SB-CODEC-013", "SB-CODEC-014", "SB-ENV-013"], [
          ("code", ERR_CODE), ("error", ERR_NAME), ("message", ERR_MSG), ("path", ERR_PATH),
          ("command", S("Wire name of the failed command, when it was readable.")),
      ], ["code", "error", "message"])

event("ACK", "Acknowledged", "Success reply of commands that return no data.",
      "Success reply of REFRESH_TOKEN, RECEIVED, LEAVE_ROOM, OPEN_CONVERSATION, CLOSE_CONVERSATION, ACCEPT_TRANSFER, "
      "REFUSE_TRANSFER. Only sent when the command carried a cid.",
      "reply", ["SB-ENV-012", "SB-AUTH-011"], [
          ("command", S("Wire name of the acknowledged command.")),
          ("expires_at", T("New expiry of the connection's token (REFRESH_TOKEN only).")),
      ], ["command"])

event("PING", "Ping", "Application keepalive.",
      "Sent every ping_interval_ms. The client answers with PONG.",
      "live", ["SB-KA-001", "SB-KA-002"], [
          ("at", AT),
      ], ["at"])

event("ECHO", "Echo", "Reply to ECHO.", "Carries the command's data unchanged.",
      "reply", ["SB-ECHO-001"], [
          ("data", S("The data of the ECHO command, unchanged.")),
      ], ["data"])

event("ONLINE", "Presence change", "A user came online or went offline in a namespace.",
      "Sent to presence subscribers of the namespace when a user's first connection opens or last connection "
      "closes; also sent to every agent connection (any namespace) when a visitor comes online or goes offline.",
      "live", ["SB-PRES-002", "SB-PRES-003", "SB-PRES-004", "SB-PRES-006"], [
          ("user", R("UserRef", "The user whose presence changed.")),
          ("namespace", R("Namespace", "Namespace the presence change happened in.")),
          ("online", B("True = first connection opened, false = last connection closed.")),
          ("connections", I("The user's open connections in the namespace after the change.", fmt="int32", minimum=0)),
          ("at", AT),
      ], ["user", "namespace", "online", "connections", "at"])

event("ONLINE_LIST", "Online users", "Every user with an open connection in the namespace.",
      "Reply to GET_ONLINE_LIST; pushed without cid after every presence change to connections that subscribed "
      "with full_list: true. Users are sorted by id (ordinal).",
      "live", ["SB-PRES-001", "SB-PRES-005"], [
          ("namespace", R("Namespace", "Namespace of the list.")),
          ("users", A("OnlineUser", "Online users, sorted by id (ordinal).")),
      ], ["namespace", "users"])

event("ROOM_STATE", "Room state", "Reply to JOIN_ROOM, after the replayed room messages.",
      "Lists the room's members and the room stream position. Sent after the ROOM_MESSAGEs replayed because of "
      "`since`.",
      "reply", ["SB-ROOM-002", "SB-ROOM-012", "SB-ROOM-013", "SB-ROOM-014"], [
          ("room", S("Room name.")),
          ("members", A("UserRef", "Distinct member users, sorted by id (ordinal); includes the joiner.")),
          ("seq", I("Last room_seq of the room (0 when it has no messages).", minimum=0)),
          ("recovered", B("False when `since` pointed before the retained room history or beyond the last room_seq.")),
          ("missed", I("Number of ROOM_MESSAGEs replayed before this event.", fmt="int32", minimum=0)),
      ], ["room", "members", "seq", "recovered", "missed"])

event("ROOM_ENTER", "Entered room", "A user joined a room (seed 002 ENTER).",
      "Sent to every member connection, the joiner's included, when the user's first connection joins.",
      "live", ["SB-ROOM-003", "SB-ROOM-004", "SB-ROOM-005"], [
          ("room", S("Room name.")),
          ("user", R("UserRef", "The user who entered.")),
          ("at", AT),
      ], ["room", "user", "at"])

event("ROOM_LEAVE", "Left room", "A user left a room (seed 002 LEAVE).",
      "Sent to the remaining member connections when the user's last member connection leaves or disconnects.",
      "live", ["SB-ROOM-006", "SB-ROOM-015"], [
          ("room", S("Room name.")),
          ("user", R("UserRef", "The user who left.")),
          ("reason", R("RoomLeaveReason", "left = LEAVE_ROOM, disconnected = connection closed.")),
          ("at", AT),
      ], ["room", "user", "reason", "at"])

event("ROOM_MESSAGE", "Room message", "A chat message in a room (seed 002 MSG).",
      "Sent to every member connection, the sender's included. Stored once in the room stream (room_seq) and "
      "replayed by JOIN_ROOM with since; not part of any user's durable stream.",
      "room", ["SB-ROOM-009", "SB-ROOM-011", "SB-ROOM-017"], [
          ("message_id", MSG_ID),
          ("room", S("Room name.")),
          ("room_seq", I("Position in the room stream (1, 2, 3 ...).", minimum=1)),
          ("user", R("UserRef", "Sender.")),
          ("data", DATA),
          ("at", AT),
      ], ["message_id", "room", "room_seq", "user", "data", "at"])

event("GROUP_MESSAGE", "Group message", "A message to everyone in the namespace (seed 004 GroupChat).",
      "Sent to every connection of the namespace (not to the sending connection when include_self=false). Live only.",
      "live", ["SB-CHAT-001", "SB-CHAT-002", "SB-CHAT-004"], [
          ("message_id", MSG_ID),
          ("user", R("UserRef", "Sender.")),
          ("data", DATA),
          ("at", AT),
      ], ["message_id", "user", "data", "at"])

event("PRIVATE_MESSAGE", "Private message", "A message to one user (seed 004 SingleChat).",
      "Appended to the recipient's durable stream in the target namespace and pushed to all of the recipient's "
      "connections there.",
      "durable", ["SB-CHAT-005", "SB-CHAT-007", "SB-DLV-012"], [
          ("message_id", MSG_ID),
          ("user", R("UserRef", "Sender.")),
          ("to", S("Recipient user id.", pattern=USER_ID_PATTERN)),
          ("namespace", R("Namespace", "The sender's namespace (where a reply should be addressed).")),
          ("data", DATA),
          ("at", AT),
      ], ["message_id", "user", "to", "namespace", "data", "at"])

event("PUSH", "Backend push", "Data pushed by a business backend through the HTTP API.",
      "To a user: durable (seq). To a room or a whole namespace: live only.",
      "durable", ["SB-API-003", "SB-API-004", "SB-API-005"], [
          ("message_id", MSG_ID),
          ("topic", S("Application-defined topic (1-128 characters).", minLength=1, maxLength=128)),
          ("room", S("Room name when pushed to a room; absent otherwise.")),
          ("data", ANY("Any JSON value supplied by the backend.")),
          ("at", AT),
      ], ["message_id", "topic", "data", "at"])

event("SEND_MESSAGE_SUCCESS", "Message accepted", "Ack of every SEND_* command.",
      "The message was accepted and, when durable, stored: it will reach its recipients also across reconnects.",
      "reply", ["SB-CHAT-003", "SB-ROOM-010", "SB-CS-016", "SB-DLV-002"], [
          ("message_id", MSG_ID),
          ("at", AT),
          ("seq", I("room_seq of the message (SEND_ROOM_MESSAGE only).", minimum=1)),
          ("conversation_id", S("Conversation of the message (SEND_MESSAGE only).")),
      ], ["message_id", "at"])

event("SEND_MESSAGE_ERROR", "Message rejected", "Error reply of every SEND_* command (instead of ERROR).",
      "Same fields as ERROR. Nothing was stored or delivered.",
      "reply", ["SB-CHAT-006", "SB-ROOM-008", "SB-CS-019"], [
          ("code", ERR_CODE), ("error", ERR_NAME), ("message", ERR_MSG), ("path", ERR_PATH),
          ("command", S("Wire name of the failed SEND_* command.")),
      ], ["code", "error", "message"])

event("CONVERSATION", "Conversation state", "A service-desk conversation changed state.",
      "Appended to the durable stream of the visitor and of the owning agent (and of the previous owner after a "
      "transfer) on every state change; the reply to REQUEST_SERVICE and GRAB.",
      "durable", ["SB-CS-002", "SB-CS-007", "SB-CS-013", "SB-CS-020", "SB-CS-029", "SB-XFER-005"], [
          ("conversation_id", CONV_ID),
          ("state", R("ConversationState", "New state.")),
          ("visitor", R("UserRef", "The visitor.")),
          ("agent", R("UserRef", "The owning agent (absent while waiting).")),
          ("topic", S("Topic given in REQUEST_SERVICE.")),
          ("position", I("1-based queue position at the time of the event (waiting only).", fmt="int32", minimum=1)),
          ("reason", R("ConversationCloseReason", "Why it was closed (closed only).")),
          ("at", AT),
      ], ["conversation_id", "state", "visitor", "at"])

event("QIANGDAN", "Grab order", "A conversation entered or left the visitor queue.",
      "Sent to every online agent connection (all namespaces): state waiting when queued (and, for each queued "
      "conversation, right after an agent connects), taken when an agent grabbed it, withdrawn when it was closed "
      "while waiting.",
      "live", ["SB-CS-005", "SB-CS-006", "SB-CS-010", "SB-CS-021"], [
          ("conversation_id", CONV_ID),
          ("visitor", R("UserRef", "The waiting visitor.")),
          ("topic", S("Topic given in REQUEST_SERVICE.")),
          ("state", R("QueueState", "waiting | taken | withdrawn.")),
          ("agent", R("UserRef", "The winner (taken only).")),
          ("queued_at", T("When the conversation entered the queue.")),
          ("at", AT),
      ], ["conversation_id", "visitor", "state", "queued_at", "at"])

_MSG_PROPS = [
    ("message_id", MSG_ID),
    ("conversation_id", CONV_ID),
    ("user", R("UserRef", "Sender (visitor or agent).")),
    ("data", DATA),
    ("at", AT),
]
event("NEW_MESSAGE", "Message in the open conversation", "A conversation message for the conversation on screen.",
      "Appended to the visitor's stream (always this name) and to the owning agent's stream when the agent's open "
      "conversation (per namespace) is this conversation at append time.",
      "durable", ["SB-CS-016", "SB-CS-017", "SB-CS-018"], _MSG_PROPS, ["message_id", "conversation_id", "user", "data", "at"])

event("NEW_MESSAGE_USER", "Message in another conversation", "A conversation message for a conversation not on screen.",
      "Appended to the owning agent's stream when the agent's open conversation is another one or none. Same "
      "fields as NEW_MESSAGE.",
      "durable", ["SB-CS-017", "SB-CS-018"], _MSG_PROPS, ["message_id", "conversation_id", "user", "data", "at"])

event("RTRANSFER", "Transfer request", "Another agent asks this agent to take over a conversation.",
      "Sent to every agent connection of the target agent (all namespaces).",
      "live", ["SB-XFER-002"], [
          ("transfer_id", S("Transfer id (opaque).", minLength=1, maxLength=64)),
          ("conversation_id", CONV_ID),
          ("from", R("UserRef", "The requesting (current owner) agent.")),
          ("visitor", R("UserRef", "The conversation's visitor.")),
          ("note", S("Note from the requester.")),
          ("expires_at", T("When the request times out (TRANSFER_ERROR 4007).")),
      ], ["transfer_id", "conversation_id", "from", "visitor", "expires_at"])

event("TRANSFER", "Transfer progress", "A transfer request was sent (pending) or accepted.",
      "Reply to REQUEST_TRANSFER (pending); pushed without cid to the requester's connections when the target "
      "accepted.",
      "live", ["SB-XFER-001", "SB-XFER-005"], [
          ("transfer_id", S("Transfer id.", minLength=1, maxLength=64)),
          ("conversation_id", CONV_ID),
          ("to", R("UserRef", "The target agent.")),
          ("state", R("TransferState", "pending | accepted.")),
          ("at", AT),
      ], ["transfer_id", "conversation_id", "to", "state", "at"])

event("TRANSFER_ERROR", "Transfer failed", "A transfer could not be requested, timed out or failed.",
      "Error reply to REQUEST_TRANSFER; pushed without cid to requester and target on timeout (4007) and when the "
      "transfer fails (4009 conversation closed, 4004 target went offline).",
      "live", ["SB-XFER-003", "SB-XFER-008", "SB-XFER-009"], [
          ("code", ERR_CODE), ("error", ERR_NAME), ("message", ERR_MSG),
          ("transfer_id", S("Transfer id, when a transfer exists.")),
          ("conversation_id", S("Conversation id, when known.")),
      ], ["code", "error", "message"])

event("REFUSE_TRANSFER", "Transfer refused", "The target agent refused the transfer.",
      "Sent to the requester's connections. The conversation stays with the requester.",
      "live", ["SB-XFER-007"], [
          ("transfer_id", S("Transfer id.", minLength=1, maxLength=64)),
          ("conversation_id", CONV_ID),
          ("by", R("UserRef", "The refusing agent.")),
          ("reason", S("Reason given by the refusing agent.")),
          ("at", AT),
      ], ["transfer_id", "conversation_id", "by", "at"])

event("DAY_ACCESS", "Visitors today", "How many visitors this agent (and all agents) received today.",
      "Reply to GET_DAY_ACCESS; pushed without cid to every online agent connection after each change of the "
      "counts and right after CONNECT for agents.",
      "live", ["SB-CS-024", "SB-CS-025", "SB-CS-026", "SB-CS-027"], [
          ("date", S("Server UTC date, YYYY-MM-DD.", pattern="^[0-9]{4}-[0-9]{2}-[0-9]{2}$")),
          ("count", I("Distinct visitors this agent received today.", fmt="int32", minimum=0)),
          ("total", I("Sum of count over all agents today.", fmt="int32", minimum=0)),
      ], ["date", "count", "total"])

event("WOMSG", "Work order", "A work order was created or updated.",
      "Appended to the assignee's durable stream on creation and on every update; the reply to CREATE_WORK_ORDER "
      "and UPDATE_WORK_ORDER.",
      "durable", ["SB-WO-001", "SB-WO-002", "SB-WO-005"], [
          ("work_order_id", S("Work order id (opaque).", minLength=1, maxLength=64)),
          ("title", S("Title (1-200 characters).", minLength=1, maxLength=200)),
          ("body", S("Body (0-10000 characters).", maxLength=10000)),
          ("status", R("WorkOrderStatus", "Current status.")),
          ("assignee", R("UserRef", "Assigned agent (absent = unassigned).")),
          ("created_by", R("UserRef", "Creator.")),
          ("conversation_id", S("Related conversation.")),
          ("comment", S("Comment of the update that produced this event.")),
          ("at", AT),
      ], ["work_order_id", "title", "body", "status", "created_by", "at"])

event("TIMER", "Timer", "A timer was scheduled, fired, or a conversation is about to be closed for inactivity.",
      "Reply to SET_TIMER (scheduled); pushed to the setting connection when it fires; conversation_idle warning "
      "pushed to both participants' connections.",
      "live", ["SB-TIMER-001", "SB-TIMER-002", "SB-CS-028"], [
          ("timer_id", S("Timer id (opaque).", minLength=1, maxLength=64)),
          ("kind", R("TimerKind", "reminder (SET_TIMER) or conversation_idle.")),
          ("state", R("TimerState", "scheduled | fired | warning.")),
          ("label", S("Label given in SET_TIMER.")),
          ("conversation_id", S("Conversation (conversation_idle only).")),
          ("fires_at", T("When the timer fires (conversation_idle: when the conversation will be closed).")),
          ("remaining_ms", I("Milliseconds from the moment the event was produced until fires_at (0 when fired).", minimum=0)),
      ], ["timer_id", "kind", "state", "fires_at", "remaining_ms"])

# ---------------------------------------------------------------------------------------------------------------
# commands
COMMANDS = OrderedDict()


def command(name, title, summary, description, roles, reply, error_reply, errors, reqs, props, required):
    COMMANDS[name] = dict(title=title, summary=summary, description=description, roles=roles, reply=reply,
                          error_reply=error_reply, errors=errors, reqs=reqs, props=OrderedDict(props),
                          required=required)


COMMON_ERRORS = ["MISSING_FIELD", "INVALID_FIELD", "RATE_LIMITED"]

command("ECHO", "Echo", "Ask the server to send data back.", "Reply: ECHO with the same data.",
        None, "ECHO", None, COMMON_ERRORS, ["SB-ECHO-001", "SB-ECHO-002"], [
            ("data", S("Any text.")),
        ], ["data"])
command("PONG", "Pong", "Answer to PING.", "No reply. Resets the idle timer like every frame.",
        None, None, None, [], ["SB-KA-002", "SB-KA-003"], [], [])
command("REFRESH_TOKEN", "Refresh token", "Replace the connection's token before it expires.",
        "The new token must be valid and have the same sub. Reply: ACK with expires_at.",
        None, "ACK", None, ["MISSING_FIELD", "INVALID_FIELD", "TOKEN_INVALID", "TOKEN_EXPIRED", "TOKEN_SUBJECT_MISMATCH"],
        ["SB-AUTH-011", "SB-AUTH-012", "SB-AUTH-013", "SB-AUTH-014"], [
            ("token", S("The new JWT.", minLength=1)),
        ], ["token"])
command("RECEIVED", "Received", "Confirm the durable stream up to seq.",
        "Moves the stream's acked_seq to max(acked_seq, seq). Events up to acked_seq are not replayed by a connect "
        "without since.",
        None, "ACK", None, ["MISSING_FIELD", "INVALID_FIELD"], ["SB-DLV-009"], [
            ("seq", I("Last processed seq of the user's stream in this namespace.", minimum=0)),
        ], ["seq"])
command("JOIN_ROOM", "Join room", "Join a room of this namespace, optionally replaying its history.",
        "Replays ROOM_MESSAGEs with room_seq > since (when given), then replies ROOM_STATE.",
        None, "ROOM_STATE", None, ["INVALID_ROOM", "MISSING_FIELD", "INVALID_FIELD"],
        ["SB-ROOM-001", "SB-ROOM-002", "SB-ROOM-012"], [
            ("room", S("Room name: 1-64 characters of [A-Za-z0-9_.:-]; anything else -> 3003 INVALID_ROOM.")),
            ("since", I("Replay room messages with room_seq > since.", minimum=0)),
        ], ["room"])
command("LEAVE_ROOM", "Leave room", "Leave a room.", "Reply: ACK.",
        None, "ACK", None, ["NOT_IN_ROOM", "INVALID_ROOM", "MISSING_FIELD"], ["SB-ROOM-006", "SB-ROOM-007"], [
            ("room", S("Room name.")),
        ], ["room"])
command("SEND_ROOM_MESSAGE", "Send room message", "Send a message to every member of a room.",
        "The sending connection must be a member. Reply: SEND_MESSAGE_SUCCESS (seq = room_seq).",
        None, "SEND_MESSAGE_SUCCESS", "SEND_MESSAGE_ERROR", ["NOT_IN_ROOM", "INVALID_ROOM", "MISSING_FIELD", "INVALID_FIELD"],
        ["SB-ROOM-008", "SB-ROOM-009", "SB-ROOM-010"], [
            ("room", S("Room name.")),
            ("data", DATA),
        ], ["room", "data"])
command("SEND_GROUP_MESSAGE", "Send group message", "Send a message to every connection of the namespace.",
        "Reply: SEND_MESSAGE_SUCCESS.",
        None, "SEND_MESSAGE_SUCCESS", "SEND_MESSAGE_ERROR", ["MISSING_FIELD", "INVALID_FIELD"],
        ["SB-CHAT-001", "SB-CHAT-002", "SB-CHAT-003"], [
            ("data", DATA),
            ("include_self", B("Deliver to the sending connection too.", default=True)),
        ], ["data"])
command("SEND_PRIVATE_MESSAGE", "Send private message", "Send a durable message to one user.",
        "Delivered to the recipient's connections in `namespace` (default: the sender's). Reply: SEND_MESSAGE_SUCCESS "
        "after the message was stored.",
        None, "SEND_MESSAGE_SUCCESS", "SEND_MESSAGE_ERROR", ["RECIPIENT_UNKNOWN", "MISSING_FIELD", "INVALID_FIELD"],
        ["SB-CHAT-005", "SB-CHAT-006", "SB-CHAT-007", "SB-NS-003"], [
            ("to", S("Recipient user id.")),
            ("data", DATA),
            ("namespace", R("Namespace", "Target namespace (explicit cross-namespace addressing). Default: the sender's.")),
        ], ["to", "data"])
command("GET_ONLINE_LIST", "Get online list", "Get the namespace's online users and (un)subscribe to changes.",
        "Reply: ONLINE_LIST. subscribe/full_list set the connection's presence subscription; absent = unchanged.",
        None, "ONLINE_LIST", None, ["INVALID_FIELD"], ["SB-PRES-001", "SB-PRES-002", "SB-PRES-005"], [
            ("subscribe", B("true: receive ONLINE deltas; false: stop.")),
            ("full_list", B("true: receive ONLINE_LIST after every change; false: stop.")),
        ], [])
command("REQUEST_SERVICE", "Request service", "A visitor asks for an agent.",
        "Creates a waiting conversation and queues it. Reply: CONVERSATION (waiting).",
        ["visitor"], "CONVERSATION", None, ["FORBIDDEN", "ALREADY_IN_SERVICE", "INVALID_FIELD"],
        ["SB-CS-002", "SB-CS-003", "SB-CS-004"], [
            ("topic", S("What the visitor needs (0-128 characters).", maxLength=128)),
            ("data", DATA),
        ], [])
command("GRAB", "Grab", "An agent claims a waiting conversation (QIANGDAN).",
        "Exactly one of concurrent GRABs wins. Reply: CONVERSATION (active, agent = caller).",
        ["agent"], "CONVERSATION", None, ["FORBIDDEN", "CONVERSATION_NOT_FOUND", "GRAB_LOST", "MISSING_FIELD"],
        ["SB-CS-007", "SB-CS-008", "SB-CS-009"], [
            ("conversation_id", CONV_ID),
        ], ["conversation_id"])
command("OPEN_CONVERSATION", "Open conversation", "Set (or clear) the agent's open conversation.",
        "Decides NEW_MESSAGE vs NEW_MESSAGE_USER for the agent's future messages in this namespace. Reply: ACK.",
        ["agent"], "ACK", None, ["FORBIDDEN", "CONVERSATION_NOT_FOUND", "NOT_PARTICIPANT", "CONVERSATION_CLOSED"],
        ["SB-CS-014", "SB-CS-015"], [
            ("conversation_id", S("Conversation to open; absent or null = none.")),
        ], [])
command("SEND_MESSAGE", "Send conversation message", "Send a message in a service-desk conversation.",
        "Reply: SEND_MESSAGE_SUCCESS (with conversation_id) after the message was stored.",
        ["visitor", "agent"], "SEND_MESSAGE_SUCCESS", "SEND_MESSAGE_ERROR",
        ["FORBIDDEN", "CONVERSATION_NOT_FOUND", "NOT_PARTICIPANT", "CONVERSATION_CLOSED", "MISSING_FIELD", "INVALID_FIELD"],
        ["SB-CS-016", "SB-CS-017", "SB-CS-019"], [
            ("conversation_id", CONV_ID),
            ("data", DATA),
        ], ["conversation_id", "data"])
command("CLOSE_CONVERSATION", "Close conversation", "End a conversation.",
        "Visitor (waiting or active) or owning agent. Reply: ACK; CONVERSATION closed to the participants.",
        ["visitor", "agent"], "ACK", None,
        ["FORBIDDEN", "CONVERSATION_NOT_FOUND", "NOT_PARTICIPANT", "CONVERSATION_CLOSED", "MISSING_FIELD"],
        ["SB-CS-020", "SB-CS-021", "SB-CS-022"], [
            ("conversation_id", CONV_ID),
        ], ["conversation_id"])
command("REQUEST_TRANSFER", "Request transfer", "Ask another agent to take over a conversation.",
        "Caller must be the owning agent. Reply: TRANSFER (pending); RTRANSFER to the target.",
        ["agent"], "TRANSFER", "TRANSFER_ERROR",
        ["FORBIDDEN", "CONVERSATION_NOT_FOUND", "NOT_PARTICIPANT", "CONVERSATION_CLOSED", "TRANSFER_TO_SELF",
         "TRANSFER_ALREADY_PENDING", "TRANSFER_TARGET_OFFLINE", "TRANSFER_TARGET_NOT_AGENT", "MISSING_FIELD"],
        ["SB-XFER-001", "SB-XFER-002", "SB-XFER-003", "SB-XFER-004"], [
            ("conversation_id", CONV_ID),
            ("to", S("Target agent user id.")),
            ("note", S("Note shown to the target (0-500 characters).", maxLength=500)),
        ], ["conversation_id", "to"])
command("ACCEPT_TRANSFER", "Accept transfer", "The target agent takes over the conversation.",
        "Reply: ACK; CONVERSATION (active, agent = acceptor) to visitor, acceptor and previous owner; TRANSFER "
        "(accepted) to the requester.",
        ["agent"], "ACK", None, ["FORBIDDEN", "TRANSFER_NOT_FOUND", "TRANSFER_TIMEOUT", "MISSING_FIELD"],
        ["SB-XFER-005", "SB-XFER-006"], [
            ("transfer_id", S("Transfer id from RTRANSFER.")),
        ], ["transfer_id"])
command("REFUSE_TRANSFER", "Refuse transfer", "The target agent declines the transfer.",
        "Reply: ACK; REFUSE_TRANSFER to the requester.",
        ["agent"], "ACK", None, ["FORBIDDEN", "TRANSFER_NOT_FOUND", "TRANSFER_TIMEOUT", "MISSING_FIELD"],
        ["SB-XFER-007"], [
            ("transfer_id", S("Transfer id from RTRANSFER.")),
            ("reason", S("Reason shown to the requester (0-500 characters).", maxLength=500)),
        ], ["transfer_id"])
command("GET_DAY_ACCESS", "Get today's visitors", "Read today's DAY_ACCESS counts.", "Reply: DAY_ACCESS.",
        ["agent", "admin"], "DAY_ACCESS", None, ["FORBIDDEN"], ["SB-CS-024"], [], [])
command("CREATE_WORK_ORDER", "Create work order", "Create a work order.",
        "Reply: WOMSG (status open); WOMSG to the assignee's stream.",
        ["agent", "admin"], "WOMSG", None, ["FORBIDDEN", "CONVERSATION_NOT_FOUND", "MISSING_FIELD", "INVALID_FIELD"],
        ["SB-WO-001", "SB-WO-002", "SB-WO-003", "SB-WO-004", "SB-WO-006"], [
            ("title", S("Title (1-200 characters).", minLength=1, maxLength=200)),
            ("body", S("Body (0-10000 characters).", maxLength=10000)),
            ("assignee", S("Assigned agent user id.", pattern=USER_ID_PATTERN)),
            ("conversation_id", S("Related conversation (must exist).")),
        ], ["title", "body"])
command("UPDATE_WORK_ORDER", "Update work order", "Change a work order's status, optionally with a comment.",
        "Reply: WOMSG; WOMSG to the assignee's stream.",
        ["agent", "admin"], "WOMSG", None, ["FORBIDDEN", "WORK_ORDER_NOT_FOUND", "NOT_PARTICIPANT", "MISSING_FIELD", "INVALID_FIELD"],
        ["SB-WO-005"], [
            ("work_order_id", S("Work order id.")),
            ("status", R("WorkOrderStatus", "New status.")),
            ("comment", S("Comment (0-2000 characters).", maxLength=2000)),
        ], ["work_order_id", "status"])
command("SET_TIMER", "Set timer", "Schedule a reminder for this connection.",
        "Reply: TIMER (scheduled); TIMER (fired) to this connection after delay_ms.",
        None, "TIMER", None, ["MISSING_FIELD", "INVALID_FIELD"], ["SB-TIMER-001", "SB-TIMER-002", "SB-TIMER-003"], [
            ("delay_ms", I("Delay in milliseconds.", minimum=1, maximum=86400000)),
            ("label", S("Label echoed in the TIMER events (0-128 characters).", maxLength=128)),
        ], ["delay_ms"])

# ---------------------------------------------------------------------------------------------------------------
ERROR_CODES = [
    (1001, "MALFORMED_JSON", "The text frame is not valid JSON (including an empty frame).", "SB-CODEC-001"),
    (1002, "INVALID_UTF8", "The text frame is not valid UTF-8.", "SB-CODEC-002"),
    (1003, "UNKNOWN_COMMAND", "`command` is not a command of this protocol version.", "SB-CODEC-003"),
    (1004, "MISSING_FIELD", "A required field is absent (path names it).", "SB-CODEC-004"),
    (1005, "INVALID_FIELD", "A field has the wrong type, is out of range, too long/short or fails its pattern.", "SB-CODEC-005"),
    (1006, "MESSAGE_TOO_LARGE", "The frame exceeds max_message_bytes; followed by CLOSE 4413.", "SB-CODEC-011"),
    (1007, "BINARY_NOT_SUPPORTED", "A binary frame was received; followed by CLOSE 4400.", "SB-CODEC-010"),
    (1008, "INVALID_ENVELOPE", "The frame is not a JSON object, `command` is not a string, or `request` is not an object.", "SB-CODEC-007"),
    (1010, "UNSUPPORTED_PROTOCOL", "None of the offered subprotocols is supported (HTTP 400 at upgrade).", "SB-HS-003"),
    (2001, "TOKEN_MISSING", "No token in the handshake or API request.", "SB-AUTH-003"),
    (2002, "TOKEN_INVALID", "The token is malformed, badly signed or has invalid claims.", "SB-AUTH-004"),
    (2003, "TOKEN_EXPIRED", "The token's exp is in the past.", "SB-AUTH-005"),
    (2004, "FORBIDDEN", "The caller's role may not use this command or endpoint.", "SB-AUTH-016"),
    (2005, "NAMESPACE_FORBIDDEN", "The token's ns claim does not allow this namespace.", "SB-AUTH-009"),
    (2006, "TOKEN_SUBJECT_MISMATCH", "REFRESH_TOKEN carried a token for a different sub.", "SB-AUTH-014"),
    (3001, "RECIPIENT_UNKNOWN", "The private message recipient has no stream in the target namespace.", "SB-CHAT-006"),
    (3002, "NOT_IN_ROOM", "The connection is not a member of the room.", "SB-ROOM-007"),
    (3003, "INVALID_ROOM", "The room name is not 1-64 characters of [A-Za-z0-9_.:-].", "SB-ROOM-001"),
    (4001, "CONVERSATION_NOT_FOUND", "No conversation with this id.", "SB-CS-009"),
    (4002, "GRAB_LOST", "The conversation is no longer waiting (another agent won, or it was closed).", "SB-CS-008"),
    (4003, "NOT_PARTICIPANT", "The caller is not the conversation's visitor or current owner (or not allowed on the work order).", "SB-CS-019"),
    (4004, "TRANSFER_TARGET_OFFLINE", "The transfer target has no open connection (or lost its last one).", "SB-XFER-003"),
    (4005, "TRANSFER_TARGET_NOT_AGENT", "The transfer target is online but not as an agent.", "SB-XFER-003"),
    (4006, "TRANSFER_NOT_FOUND", "No pending transfer with this id addressed to the caller.", "SB-XFER-006"),
    (4007, "TRANSFER_TIMEOUT", "The transfer expired before it was accepted or refused.", "SB-XFER-008"),
    (4008, "ALREADY_IN_SERVICE", "The visitor already has a waiting or active conversation.", "SB-CS-004"),
    (4009, "CONVERSATION_CLOSED", "The conversation is closed.", "SB-CS-019"),
    (4010, "TRANSFER_TO_SELF", "The transfer target is the requester.", "SB-XFER-003"),
    (4011, "WORK_ORDER_NOT_FOUND", "No work order with this id.", "SB-WO-005"),
    (4012, "TRANSFER_ALREADY_PENDING", "The conversation already has a pending transfer.", "SB-XFER-004"),
    (5001, "RATE_LIMITED", "The command exceeded the connection's rate limit and was dropped.", "SB-LIM-002"),
    (5002, "SLOW_CONSUMER", "The connection's send queue overflowed (close 4499). Not sent on the wire (the queue is full): clients surface a 4499 close with this code.", "SB-LIM-004"),
    (5003, "INTERNAL_ERROR", "The server failed to process the command; it may be retried.", "SB-LIM-007"),
    (5004, "SHUTTING_DOWN", "The server is shutting down and no longer accepts this command.", "SB-CLOSE-003"),
]

CLOSE_CODES = [
    (1000, "NORMAL", False, "Normal closure."),
    (4400, "PROTOCOL_ERROR", False, "Binary frame or unusable framing."),
    (4401, "UNAUTHORIZED", False, "Token missing or invalid. Reconnect only with a new token."),
    (4403, "FORBIDDEN", False, "Namespace (or role) not allowed."),
    (4408, "IDLE_TIMEOUT", True, "Nothing received for idle_timeout_ms."),
    (4413, "MESSAGE_TOO_BIG", False, "A frame exceeded max_message_bytes."),
    (4419, "TOKEN_EXPIRED", True, "Token expired (handshake or during the connection). Reconnect with a refreshed token."),
    (4429, "RATE_LIMITED", True, "Too many commands rejected by the rate limit. Reconnect after backoff."),
    (4499, "SLOW_CONSUMER", True, "Send queue overflow. Reconnect with since/epoch to recover durable events."),
    (4500, "INTERNAL_ERROR", True, "Unexpected server error."),
    (4503, "SHUTTING_DOWN", True, "Server shutting down. Reconnect (another node / later)."),
]

X_PERF = OrderedDict([
    ("source", "Benchmarks issue: targets are ratios to peers measured on the same machine in the same run."),
    ("reference_machine", "2 cores (CPU-bound client and server share it), loopback, Release builds."),
    ("targets", [
        OrderedDict([("id", "echo"), ("metric", "round_trips_per_second"), ("min_ratio_vs", OrderedDict([("bare-kestrel", 1.0), ("signalr", 1.3)]))]),
        OrderedDict([("id", "fanout"), ("metric", "deliveries_per_second"), ("min_ratio_vs", OrderedDict([("signalr", 1.5), ("bare-kestrel", 0.9)]))]),
        OrderedDict([("id", "latency"), ("metric", "p99_ms"), ("rule", "no worse than the best peer in the same scenario")]),
        OrderedDict([("id", "idle"), ("metric", "rss_bytes_per_authenticated_connection"), ("max", 6144)]),
        OrderedDict([("id", "connect"), ("metric", "handshakes_per_second"),
                     ("rule", "token validation + CONNECT; >= Node.js ws"), ("min_ratio_vs", OrderedDict([("node-ws", 1.0)]))]),
    ]),
    ("scenarios", [
        OrderedDict([("id", "echo"), ("description", "ECHO round trips with cid"), ("connections", 100), ("in_flight_per_connection", 8)]),
        OrderedDict([("id", "fanout"), ("description", "SEND_ROOM_MESSAGE to one room, every member receives ROOM_MESSAGE"),
                     ("members", 1000), ("publishes_in_flight", 16), ("message_bytes", 128)]),
        OrderedDict([("id", "private"), ("description", "SEND_PRIVATE_MESSAGE between connection pairs, durable store + SEND_MESSAGE_SUCCESS")]),
        OrderedDict([("id", "idle"), ("description", "authenticated connections holding no traffic; RSS delta / connections"), ("connections", 10000)]),
        OrderedDict([("id", "connect"), ("description", "full handshakes: upgrade + token validation + CONNECT received"), ("handshakes", 5000), ("concurrency", 64)]),
    ]),
    ("peer_medians", OrderedDict([
        ("note", "orientation figures from the issue, not measured by us"),
        ("columns", ["echo_rt_per_s", "fanout_deliveries_per_s", "idle_kib_per_conn", "handshakes_per_s"]),
        ("node-ws", [148000, 246000, 6.2, 7400]),
        ("socket.io", [82000, 197000, 14.6, 3300]),
        ("signalr", [162000, 646000, 25.8, 4200]),
        ("bare-kestrel", [205000, 1123000, 15.1, 7100]),
    ])),
])

# ---------------------------------------------------------------------------------------------------------------


def build():
    doc = OrderedDict()
    doc["asyncapi"] = "3.0.0"
    doc["info"] = OrderedDict([
        ("title", "Switchboard"),
        ("version", "1.0.0"),
        ("description", "Switchboard v1: real-time messaging over WebSocket (subprotocol `switchboard.v1.json`).\n"
                        "Normative prose: spec/PROTOCOL.md (requirement ids SB-AREA-NNN). This file is generated by "
                        "spec/tools/build_asyncapi.py.\n"
                        "Server -> client envelope: {\"event\", \"cid\"?, \"seq\"?, \"response\"}. "
                        "Client -> server envelope: {\"command\", \"cid\"?, \"request\"?}. Each message payload below "
                        "is the whole envelope."),
        ("license", OrderedDict([("name", "MIT")])),
    ])
    doc["defaultContentType"] = "application/json"
    doc["servers"] = OrderedDict([("local", OrderedDict([
        ("host", "127.0.0.1:8080"), ("protocol", "ws"),
        ("description", "Reference server default. HTTP API under /api/v1, health at /health on the same port.")]))])

    msg_keys_events = [pascal(n) for n in EVENTS]
    msg_keys_cmds = [pascal(n) + "Command" for n in COMMANDS]

    def channel(ns):
        ch = OrderedDict()
        ch["address"] = f"/{ns}"
        ch["title"] = f"Namespace {ns}"
        ch["description"] = (f"WebSocket endpoint of the `{ns}` namespace. "
                             + ("PC web clients." if ns == "web" else "Mobile apps."))
        ch["messages"] = OrderedDict()
        for k in msg_keys_events + msg_keys_cmds:
            ch["messages"][k] = {"$ref": f"#/components/messages/{k}"}
        ch["bindings"] = {"ws": {"$ref": "#/components/channelBindings/SwitchboardWs/ws"}}
        return ch

    doc["channels"] = OrderedDict([("web", channel("web")), ("app", channel("app"))])
    ops = OrderedDict()
    for ns in ("web", "app"):
        ops[f"{ns}ServerEvents"] = OrderedDict([
            ("action", "receive"), ("channel", {"$ref": f"#/channels/{ns}"}),
            ("summary", f"Events the server sends on /{ns} (the client receives them)."),
            ("messages", [{"$ref": f"#/channels/{ns}/messages/{k}"} for k in msg_keys_events])])
        ops[f"{ns}ClientCommands"] = OrderedDict([
            ("action", "send"), ("channel", {"$ref": f"#/channels/{ns}"}),
            ("summary", f"Commands the client sends on /{ns}."),
            ("messages", [{"$ref": f"#/channels/{ns}/messages/{k}"} for k in msg_keys_cmds])])
    doc["operations"] = ops

    comps = OrderedDict()
    comps["channelBindings"] = OrderedDict([("SwitchboardWs", OrderedDict([("ws", OrderedDict([
        ("method", "GET"),
        ("query", obj("Handshake query parameters.", OrderedDict([
            ("access_token", S("JWT (HS256). Alternative: `Authorization: Bearer <jwt>` header.")),
            ("since", S("Resume: last durable seq the client processed (decimal int64). Used only together with epoch.", pattern="^[0-9]{1,19}$")),
            ("epoch", S("Resume: epoch from the last CONNECT.")),
        ]), [])),
        ("headers", obj("Handshake headers.", OrderedDict([
            ("Sec-WebSocket-Protocol", S("Offered subprotocols; the server selects `switchboard.v1.json`. None offered = v1.")),
            ("Authorization", S("`Bearer <jwt>` (alternative to access_token).")),
            ("Origin", S("Checked against the configured allow-list (HTTP 403 when not allowed).")),
        ]), [])),
        ("bindingVersion", "0.1.0"),
    ]))]))])

    messages = OrderedDict()
    for name, e in EVENTS.items():
        m = OrderedDict()
        m["name"] = name
        m["title"] = e["title"]
        m["summary"] = e["summary"]
        m["description"] = e["description"]
        m["contentType"] = "application/json"
        m["x-direction"] = "server-to-client"
        m["x-delivery"] = e["delivery"]
        m["x-requirements"] = e["reqs"]
        m["payload"] = OrderedDict([
            ("type", "object"), ("required", ["event", "response"]),
            ("properties", OrderedDict([
                ("event", {"const": name}),
                ("cid", {"$ref": "#/components/schemas/Cid"}),
                ("seq", {"$ref": "#/components/schemas/Seq"}),
                ("response", {"$ref": f"#/components/schemas/{pascal(name)}Event"}),
            ]))])
        messages[pascal(name)] = m
    for name, c in COMMANDS.items():
        m = OrderedDict()
        m["name"] = name
        m["title"] = c["title"]
        m["summary"] = c["summary"]
        m["description"] = c["description"]
        m["contentType"] = "application/json"
        m["x-direction"] = "client-to-server"
        if c["roles"]:
            m["x-roles"] = c["roles"]
        if c["reply"]:
            m["x-reply"] = c["reply"]
        m["x-error-reply"] = c["error_reply"] or "ERROR"
        m["x-errors"] = c["errors"]
        m["x-requirements"] = c["reqs"]
        m["payload"] = OrderedDict([
            ("type", "object"), ("required", ["command"]),
            ("properties", OrderedDict([
                ("command", {"const": name}),
                ("cid", {"$ref": "#/components/schemas/Cid"}),
                ("request", {"$ref": f"#/components/schemas/{pascal(name)}Command"}),
            ]))])
        messages[pascal(name) + "Command"] = m
    comps["messages"] = messages

    schemas = OrderedDict()
    for k, v in SHARED.items():
        schemas[k] = v
    for k, (vals, desc) in ENUMS.items():
        schemas[k] = OrderedDict([("type", "string"), ("description", desc), ("enum", vals)])
    for name, e in EVENTS.items():
        schemas[pascal(name) + "Event"] = obj(f"`response` of {name}. {e['summary']}", e["props"], e["required"])
    for name, c in COMMANDS.items():
        schemas[pascal(name) + "Command"] = obj(f"`request` of {name}. {c['summary']}", c["props"], c["required"])
    comps["schemas"] = schemas
    doc["components"] = comps

    doc["x-error-codes"] = [OrderedDict([("code", c), ("name", n), ("summary", s), ("requirement", r)])
                            for c, n, s, r in ERROR_CODES]
    doc["x-close-codes"] = [OrderedDict([("code", c), ("name", n), ("retryable", rt), ("summary", s)])
                            for c, n, rt, s in CLOSE_CODES]
    doc["x-perf"] = X_PERF
    return doc


class Dumper(yaml.SafeDumper):
    """Block YAML, flow style for scalar lists and one-entry maps, never anchors/aliases."""

    def ignore_aliases(self, data):
        return True


def _dict_rep(dumper, data):
    flow = len(data) == 1 and all(not isinstance(v, (dict, list)) for v in data.values())
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


def _list_rep(dumper, data):
    flow = all(not isinstance(x, (dict, list)) for x in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


def _str_rep(dumper, data):
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


Dumper.add_representer(OrderedDict, _dict_rep)
Dumper.add_representer(dict, _dict_rep)
Dumper.add_representer(list, _list_rep)
Dumper.add_representer(str, _str_rep)


def render() -> str:
    header = ("# Switchboard v1 - AsyncAPI 3.0.0 description.\n"
              "# GENERATED by spec/tools/build_asyncapi.py - edit the tables there and re-run it.\n"
              "# Normative prose and requirement ids: spec/PROTOCOL.md.\n")
    return header + yaml.dump(build(), Dumper=Dumper, sort_keys=False, width=120, allow_unicode=True)


if __name__ == "__main__":
    text = render()
    if len(sys.argv) > 1 and sys.argv[1] == "--check":
        with open(OUT, encoding="utf-8") as f:
            if f.read() != text:
                print("spec/asyncapi.yaml is stale: run python3 spec/tools/build_asyncapi.py", file=sys.stderr)
                sys.exit(1)
        sys.exit(0)
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print(f"wrote {OUT} ({len(text)} bytes, {len(EVENTS)} events, {len(COMMANDS)} commands)")
