// Chat page (seeds 002/003/004): sign in with a name, rooms with enter/leave/message lines, the online list
// updating live, group chat and private chat.
import type { OnlineUser, SwitchboardClient, UserRef } from "../src/index.js";
import { $, describeError, h, logLine, signIn, who } from "./common.js";

signIn("user", (client: SwitchboardClient, me: UserRef) => {
  $("app").hidden = false;
  const log = $("log");
  const online = new Map<string, OnlineUser>();
  const rooms = new Set<string>();
  const target = $<HTMLSelectElement>("target");

  const renderTargets = (): void => {
    const current = target.value;
    target.replaceChildren(h("option", { value: "group" }, "Everyone (group chat)"));
    for (const r of [...rooms].sort()) target.append(h("option", { value: `room:${r}` }, `Room ${r}`));
    for (const u of [...online.values()].filter((u) => u.id !== me.id).sort((a, b) => a.name.localeCompare(b.name)))
      target.append(h("option", { value: `user:${u.id}` }, `Private to ${who(u)}`));
    if ([...target.options].some((o) => o.value === current)) target.value = current;
  };
  const renderOnline = (): void => {
    const list = $("online");
    list.replaceChildren(
      ...[...online.values()]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((u) => {
          const li = h("li", { "data-user": u.id, title: "click to chat privately" }, `${who(u)}${u.connections > 1 ? ` ×${u.connections}` : ""}${u.id === me.id ? " (you)" : ""}`);
          li.addEventListener("click", () => {
            if (u.id !== me.id) target.value = `user:${u.id}`;
          });
          return li;
        }),
    );
    $("online-count").textContent = String(online.size);
    renderTargets();
  };
  const renderRooms = (): void => {
    $("rooms").replaceChildren(
      ...[...rooms].sort().map((r) => {
        const leave = h("button", { type: "button", "data-leave": r }, "leave");
        leave.addEventListener("click", () => {
          client.leaveRoom({ room: r }).then(
            () => {
              rooms.delete(r);
              renderRooms();
            },
            (e: unknown) => logLine(log, "error", describeError(e)),
          );
        });
        return h("li", { "data-room": r }, `${r} `, leave);
      }),
    );
    renderTargets();
  };

  const loadOnline = async (): Promise<void> => {
    const list = await client.getOnlineList({ subscribe: true });
    online.clear();
    for (const u of list.users) online.set(u.id, u);
    renderOnline();
  };

  client.on("ONLINE", (e) => {
    if (e.online) online.set(e.user.id, { id: e.user.id, name: e.user.name, role: e.user.role, connections: e.connections });
    else online.delete(e.user.id);
    renderOnline();
    logLine(log, "system", `${who(e.user)} is ${e.online ? "online" : "offline"}`, e.at);
  });
  client.on("ROOM_ENTER", (e) => void logLine(log, "system", `[${e.room}] ${who(e.user)} entered`, e.at));
  client.on("ROOM_LEAVE", (e) => void logLine(log, "system", `[${e.room}] ${who(e.user)} left${e.reason === "left" ? "" : ` (${e.reason})`}`, e.at));
  client.on("ROOM_MESSAGE", (e) => void logLine(log, "room", `[${e.room}] ${who(e.user)}: ${e.data}`, e.at));
  client.on("GROUP_MESSAGE", (e) => void logLine(log, "group", `[everyone] ${who(e.user)}: ${e.data}`, e.at));
  client.on("PRIVATE_MESSAGE", (e) => {
    if (e.user.id === me.id) return; // our own copy (other tabs); shown when sent
    logLine(log, "private", `[private] ${who(e.user)} → you: ${e.data}`, e.at);
  });
  client.on("PUSH", (e) => void logLine(log, "system", `[push ${e.topic}] ${JSON.stringify(e.data)}`, e.at));
  // On every connection (the first and after a reconnect) subscribe to the online list (rooms re-join by themselves).
  client.on("CONNECT", () => void loadOnline().catch((e: unknown) => logLine(log, "error", describeError(e))));
  client.onStreamReset = () => logLine(log, "system", "The server could not replay everything you missed while away.");

  $<HTMLFormElement>("room-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const room = $<HTMLInputElement>("room").value.trim();
    if (!room) return;
    client.joinRoom({ room }).then(
      (state) => {
        rooms.add(room);
        renderRooms();
        target.value = `room:${room}`;
        logLine(log, "system", `[${room}] you entered; members: ${state.members.map(who).join(", ")}`);
      },
      (e: unknown) => logLine(log, "error", describeError(e)),
    );
  });

  $<HTMLFormElement>("send-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const input = $<HTMLInputElement>("text");
    const data = input.value;
    if (!data) return;
    const [kind, id] = target.value.split(/:(.*)/s) as [string, string | undefined];
    const sent =
      kind === "room"
        ? client.sendRoomMessage({ room: id!, data })
        : kind === "user"
          ? client.sendPrivateMessage({ to: id!, data }).then((r) => {
              logLine(log, "private", `[private] you → ${id}: ${data}`, r.at);
              return r;
            })
          : client.sendGroupMessage({ data, include_self: true });
    input.value = "";
    sent.catch((e: unknown) => logLine(log, "error", describeError(e)));
  });
});
