// Group and private chat (spec section 11), capability `chat`.

import { CommandError, ErrorCode, NAMESPACES, USER_ID_PATTERN, newId, timestamp, userRef } from './codec.js';

const dataField = { name: 'data', type: 'string', required: true, minLength: 1 }; // SB-CHAT-009

export const chatCommands = {
  SEND_GROUP_MESSAGE: {
    capability: 'chat',
    errorEvent: 'SEND_MESSAGE_ERROR',
    schema: [dataField, { name: 'include_self', type: 'boolean' }],
    handle({ registry }, conn, { data, include_self: includeSelf = true }, cid) {
      // Live only (SB-CHAT-004): nothing is stored, no seq.
      const event = { message_id: newId(), user: userRef(conn.identity), data, at: timestamp() };
      conn.reply(cid, 'SEND_MESSAGE_SUCCESS', { message_id: event.message_id, at: event.at }); // before the copy (SB-CHAT-003)
      for (const c of registry.inNamespace(conn.namespace)) {
        if (c !== conn || includeSelf) c.send('GROUP_MESSAGE', event);
      }
    },
  },

  SEND_PRIVATE_MESSAGE: {
    capability: 'chat',
    errorEvent: 'SEND_MESSAGE_ERROR',
    schema: [
      { name: 'to', type: 'string', required: true },
      dataField,
      { name: 'namespace', type: 'string', enum: NAMESPACES },
    ],
    handle({ registry, streams }, conn, { to, data, namespace }, cid) {
      const target = namespace ?? conn.namespace; // SB-NS-003
      // SB-CHAT-006: an invalid user id and a user without a stream in the target namespace are both 3001.
      const stream = USER_ID_PATTERN.test(to) ? streams.get(target, to) : undefined;
      if (!stream) throw new CommandError(ErrorCode.RECIPIENT_UNKNOWN, `${to} is unknown in ${target}`, '$.request.to');

      const event = { message_id: newId(), user: userRef(conn.identity), to, namespace: conn.namespace, data, at: timestamp() };
      // Durable: appended before the reply (SB-DLV-002), then pushed to every recipient connection (SB-CHAT-005).
      const entry = streams.append(stream, 'PRIVATE_MESSAGE', event);
      conn.reply(cid, 'SEND_MESSAGE_SUCCESS', { message_id: event.message_id, at: event.at });
      for (const c of registry.ofUser(target, to)) c.deliverDurable(entry);
    },
  },
};
