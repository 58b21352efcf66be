// Customer-service agent desk (seed 000): the waiting queue (QIANGDAN) with grab, my conversations with the open
// one (NEW_MESSAGE) vs the others (NEW_MESSAGE_USER, unread badges), transfer to another agent with accept/refuse,
// close (the reason is shown from the CONVERSATION event), DAY_ACCESS, work orders.
import type { ConversationEvent, QiangdanEvent, RtransferEvent, SwitchboardClient, UserRef, WomsgEvent } from "../src/index.js";
import { ErrorCode, SwitchboardError } from "../src/index.js";
import { $, describeError, h, logLine, signIn, who } from "./common.js";

interface Conversation {
  info: ConversationEvent;
  lines: { kind: string; text: string; at: string }[];
  unread: number;
  /** When this desk got the conversation: older messages are history (after a grab or transfer), not news. */
  since: number;
}

signIn("agent", (client: SwitchboardClient, me: UserRef) => {
  $("app").hidden = false;
  const log = $("log");
  const queue = new Map<string, QiangdanEvent>();
  const conversations = new Map<string, Conversation>();
  const transfers = new Map<string, RtransferEvent>();
  const orders = new Map<string, WomsgEvent>();
  let open: string | undefined;

  const notice = (text: string): void => void logLine($("notices"), "system", text);

  const renderQueue = (): void => {
    $("queue").replaceChildren(
      ...[...queue.values()].map((q) => {
        const li = h("li", { "data-conversation": q.conversation_id, "data-state": q.state }, `${who(q.visitor)}${q.topic ? ` — ${q.topic}` : ""} `);
        if (q.state === "waiting") {
          const grab = h("button", { type: "button", class: "grab" }, "Grab");
          grab.addEventListener("click", () => grabIt(q.conversation_id));
          li.append(grab);
        } else {
          li.append(h("span", { class: "taken" }, q.state === "taken" ? `taken by ${q.agent ? who(q.agent) : "another agent"}` : q.state));
        }
        return li;
      }),
    );
  };

  const renderConversations = (): void => {
    $("conversations").replaceChildren(
      ...[...conversations.values()].map((c) => {
        const li = h(
          "li",
          { "data-conversation": c.info.conversation_id, "data-state": c.info.state, class: c.info.conversation_id === open ? "open" : "" },
          `${who(c.info.visitor)}${c.info.topic ? ` — ${c.info.topic}` : ""} [${c.info.state}]`,
        );
        if (c.unread > 0) li.append(" ", h("span", { class: "badge" }, String(c.unread)));
        li.addEventListener("click", () => openIt(c.info.conversation_id));
        return li;
      }),
    );
  };

  const renderOpen = (): void => {
    const c = open ? conversations.get(open) : undefined;
    $("open-panel").hidden = !c;
    if (!c) return;
    $("open-title").textContent = `${who(c.info.visitor)} — ${c.info.state}${c.info.reason ? ` (reason: ${c.info.reason})` : ""}`;
    log.replaceChildren();
    for (const l of c.lines) logLine(log, l.kind, l.text, l.at);
    $("open-actions").hidden = c.info.state !== "active";
  };

  const renderTransfers = (): void => {
    $("transfers").replaceChildren(
      ...[...transfers.values()].map((t) => {
        const accept = h("button", { type: "button", class: "accept" }, "Accept");
        const refuse = h("button", { type: "button", class: "refuse" }, "Refuse");
        accept.addEventListener("click", () => {
          client.acceptTransfer({ transfer_id: t.transfer_id }).then(
            () => {
              transfers.delete(t.transfer_id);
              renderTransfers();
              notice(`Accepted ${who(t.visitor)} from ${who(t.from)}`);
            },
            (e: unknown) => notice(describeError(e)),
          );
        });
        refuse.addEventListener("click", () => {
          const reason = $<HTMLInputElement>("refuse-reason").value.trim();
          client.refuseTransfer(reason ? { transfer_id: t.transfer_id, reason } : { transfer_id: t.transfer_id }).then(
            () => {
              transfers.delete(t.transfer_id);
              renderTransfers();
            },
            (e: unknown) => notice(describeError(e)),
          );
        });
        return h("li", { "data-transfer": t.transfer_id }, `${who(t.from)} offers ${who(t.visitor)}${t.note ? ` (“${t.note}”)` : ""} `, accept, " ", refuse);
      }),
    );
  };

  const renderOrders = (): void => {
    $("orders").replaceChildren(
      ...[...orders.values()].map((o) => {
        const done = h("button", { type: "button" }, "mark resolved");
        done.addEventListener("click", () => {
          client.updateWorkOrder({ work_order_id: o.work_order_id, status: "resolved" }).catch((e: unknown) => notice(describeError(e)));
        });
        return h("li", { "data-order": o.work_order_id }, `${o.title} [${o.status}]${o.assignee ? ` → ${who(o.assignee)}` : ""} `, ...(o.status === "resolved" || o.status === "closed" ? [] : [done]));
      }),
    );
  };

  const upsert = (info: ConversationEvent): Conversation => {
    let c = conversations.get(info.conversation_id);
    if (!c) conversations.set(info.conversation_id, (c = { info, lines: [], unread: 0, since: Date.now() }));
    c.info = info;
    return c;
  };

  const grabIt = (id: string): void => {
    client.grab({ conversation_id: id }).then(
      (c) => {
        upsert(c);
        queue.delete(id);
        renderQueue();
        openIt(id);
      },
      (e: unknown) => {
        if (e instanceof SwitchboardError && e.code === ErrorCode.GRAB_LOST) {
          const q = queue.get(id);
          if (q) queue.set(id, { ...q, state: "taken" });
          renderQueue();
          notice("Too late: another agent took this visitor.");
        } else notice(describeError(e));
      },
    );
  };

  const openIt = (id: string): void => {
    client.openConversation({ conversation_id: id }).then(
      () => {
        open = id;
        const c = conversations.get(id);
        if (c) c.unread = 0;
        renderConversations();
        renderOpen();
      },
      (e: unknown) => notice(describeError(e)),
    );
  };

  const refreshDayAccess = (): void => {
    client.getDayAccess().then(
      (d) => ($("day-access").textContent = `${d.count} today, ${d.total} in total`),
      (e: unknown) => notice(describeError(e)),
    );
  };

  client.on("QIANGDAN", (q) => {
    if (q.state === "waiting") queue.set(q.conversation_id, q);
    else if (queue.has(q.conversation_id)) {
      if (q.agent?.id === me.id) queue.delete(q.conversation_id);
      else queue.set(q.conversation_id, q);
    }
    renderQueue();
  });
  client.on("CONVERSATION", (info) => {
    if (info.agent?.id !== me.id && !conversations.has(info.conversation_id)) return;
    const c = upsert(info);
    if (info.state === "closed") c.lines.push({ kind: "system", text: `closed (reason: ${info.reason ?? "?"})`, at: info.at });
    if (info.agent && info.agent.id !== me.id && info.state === "active") c.lines.push({ kind: "system", text: `now with ${who(info.agent)}`, at: info.at });
    renderConversations();
    if (info.conversation_id === open) renderOpen();
  });
  const onMessage = (openOne: boolean) => (m: { conversation_id: string; user: UserRef; data: string; at: string }) => {
    const c = conversations.get(m.conversation_id);
    if (!c || m.user.id === me.id) return;
    c.lines.push({ kind: "visitor", text: `${who(m.user)}: ${m.data}`, at: m.at });
    if (m.conversation_id === open) renderOpen();
    else c.unread++;
    if (!openOne && Date.parse(m.at) >= c.since - 1000) notice(`New message from ${who(m.user)} in another conversation`);
    renderConversations();
  };
  client.on("NEW_MESSAGE", onMessage(true));
  client.on("NEW_MESSAGE_USER", onMessage(false));
  client.on("RTRANSFER", (t) => {
    transfers.set(t.transfer_id, t);
    renderTransfers();
  });
  client.on("TRANSFER", (t) => {
    if (t.state === "accepted") {
      notice(`${who(t.to)} accepted the transfer`);
      const c = conversations.get(t.conversation_id);
      if (c) c.info = { ...c.info, agent: t.to };
      renderConversations();
    }
  });
  client.on("REFUSE_TRANSFER", (r) => notice(`${who(r.by)} refused the transfer${r.reason ? `: ${r.reason}` : ""}`));
  client.on("TRANSFER_ERROR", (e) => notice(`Transfer failed: ${e.error} (${e.code})`));
  client.on("DAY_ACCESS", (d) => void ($("day-access").textContent = `${d.count} today, ${d.total} in total`));
  client.on("WOMSG", (o) => {
    orders.set(o.work_order_id, o);
    renderOrders();
  });
  client.on("TIMER", (t) => notice(`Timer: ${JSON.stringify(t)}`));
  // On every connection: after a reconnect the server forgot which conversation was open (it is per connection), so
  // tell it again; and show today's count.
  client.on("CONNECT", () => {
    if (open) client.openConversation({ conversation_id: open }).catch(() => undefined);
    refreshDayAccess();
  });

  $("send-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const input = $<HTMLInputElement>("text");
    const data = input.value;
    const id = open;
    if (!data || !id) return;
    input.value = "";
    client.sendMessage({ conversation_id: id, data }).then(
      (r) => {
        conversations.get(id)?.lines.push({ kind: "me", text: `you: ${data}`, at: r.at });
        if (open === id) renderOpen();
      },
      (e: unknown) => notice(describeError(e)),
    );
  });
  $("transfer-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const to = $<HTMLInputElement>("transfer-to").value.trim();
    const note = $<HTMLInputElement>("transfer-note").value.trim();
    if (!to || !open) return;
    client.requestTransfer({ conversation_id: open, to, ...(note ? { note } : {}) }).then(
      (t) => notice(`Transfer offered to ${who(t.to)} (${t.state})`),
      (e: unknown) => notice(describeError(e)),
    );
  });
  $("close-button").addEventListener("click", () => {
    if (open) client.closeConversation({ conversation_id: open }).catch((e: unknown) => notice(describeError(e)));
  });
  $("order-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const title = $<HTMLInputElement>("order-title").value.trim();
    const body = $<HTMLInputElement>("order-body").value.trim();
    if (!title || !body) return;
    client.createWorkOrder({ title, body, assignee: me.id, ...(open ? { conversation_id: open } : {}) }).then(
      (o) => {
        orders.set(o.work_order_id, o);
        renderOrders();
      },
      (e: unknown) => notice(describeError(e)),
    );
  });

  renderOpen();
});
