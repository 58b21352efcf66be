// Who is connected: every open, authenticated connection by namespace and user.

import { NAMESPACES } from './codec.js';

export class Registry {
  constructor() {
    /** namespace -> Set<Connection> */
    this.connections = new Map(NAMESPACES.map((ns) => [ns, new Set()]));
    /** namespace -> Map<userId, Connection[]> (in connect order, the last one is the most recent) */
    this.users = new Map(NAMESPACES.map((ns) => [ns, new Map()]));
  }

  /** Registers a connection; returns true when it is the user's first connection in its namespace. */
  add(conn) {
    this.connections.get(conn.namespace).add(conn);
    const users = this.users.get(conn.namespace);
    const list = users.get(conn.userId) ?? [];
    list.push(conn);
    users.set(conn.userId, list);
    return list.length === 1;
  }

  /** Unregisters a connection; returns true when it was the user's last connection in its namespace. */
  remove(conn) {
    if (!this.connections.get(conn.namespace).delete(conn)) return false;
    const users = this.users.get(conn.namespace);
    const list = (users.get(conn.userId) ?? []).filter((c) => c !== conn);
    if (list.length === 0) {
      users.delete(conn.userId);
      return true;
    }
    users.set(conn.userId, list);
    return false;
  }

  inNamespace(namespace) {
    return this.connections.get(namespace);
  }

  ofUser(namespace, userId) {
    return this.users.get(namespace).get(userId) ?? [];
  }

  *all() {
    for (const set of this.connections.values()) yield* set;
  }

  /** OnlineUser[] of a namespace sorted by id (ordinal, not locale), name and role from the latest connection. */
  onlineUsers(namespace) {
    return [...this.users.get(namespace).entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([id, list]) => {
        const latest = list[list.length - 1].identity;
        return { id, name: latest.name, role: latest.role, connections: list.length };
      });
  }
}
