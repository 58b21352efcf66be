// Presence (spec section 10): the online list, ONLINE deltas and full-list subscriptions.

import { timestamp, userRef } from './codec.js';

export const presenceCommands = {
  GET_ONLINE_LIST: {
    capability: 'presence',
    schema: [
      { name: 'subscribe', type: 'boolean' },
      { name: 'full_list', type: 'boolean' },
    ],
    // SB-PRES-001/002: absent flags leave the subscription unchanged.
    handle(ctx, conn, request, cid) {
      if (request.subscribe !== undefined) conn.presence.subscribe = request.subscribe;
      if (request.full_list !== undefined) conn.presence.fullList = request.full_list;
      conn.reply(cid, 'ONLINE_LIST', onlineList(ctx, conn.namespace));
    },
  },
};

const onlineList = (ctx, namespace) => ({ namespace, users: ctx.registry.onlineUsers(namespace) });

/**
 * Called after a connection was registered and got its CONNECT (SB-PRES-008), or after it was removed.
 * `changed` = it was the user's first connection (online) or last connection (offline) in the namespace.
 */
export function announcePresence(ctx, conn, { online, changed }) {
  const { registry } = ctx;
  if (changed) {
    const event = {
      user: userRef(conn.identity),
      namespace: conn.namespace,
      online,
      connections: online ? 1 : 0,
      at: timestamp(),
    };
    // Subscribers of the namespace (SB-PRES-003/004) plus, for visitors, every agent connection of both namespaces
    // (SB-PRES-006). A Set gives each connection at most one copy.
    const recipients = new Set([...registry.inNamespace(conn.namespace)].filter((c) => c.presence.subscribe));
    if (conn.identity.role === 'visitor') {
      for (const c of registry.all()) if (c.identity.role === 'agent') recipients.add(c);
    }
    recipients.delete(conn); // the new connection itself gets no ONLINE about its own connect
    for (const c of recipients) c.send('ONLINE', event);
  }
  // SB-PRES-005: full-list subscribers get the list after every connect or disconnect (other than their own connect).
  const list = onlineList(ctx, conn.namespace);
  for (const c of registry.inNamespace(conn.namespace)) {
    if (c !== conn && c.presence.fullList) c.send('ONLINE_LIST', list);
  }
}
