// Customer-service visitor page (seed 000): ask for service, wait in the queue, chat with the agent, close.
import type { ConversationEvent, SwitchboardClient, UserRef } from "../src/index.js";
import { $, describeError, logLine, signIn, who } from "./common.js";

signIn("visitor", (client: SwitchboardClient, me: UserRef) => {
  $("app").hidden = false;
  const log = $("log");
  const state = $("conversation-state");
  let conversation: ConversationEvent | undefined;

  const show = (c: ConversationEvent): void => {
    conversation = c;
    document.body.dataset.conversation = c.state;
    const text =
      c.state === "waiting"
        ? `waiting for an agent${c.position ? ` (position ${c.position})` : ""}`
        : c.state === "active"
          ? `talking with ${c.agent ? who(c.agent) : "an agent"}`
          : `closed${c.reason ? ` (reason: ${c.reason})` : ""}`;
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
  const onMessage = (m: { user: UserRef; data: string; at: string; conversation_id: string }): void => {
    if (m.user.id === me.id) return; // shown when sent
    logLine(log, "agent", `${who(m.user)}: ${m.data}`, m.at);
  };
  client.on("NEW_MESSAGE", onMessage);
  client.on("NEW_MESSAGE_USER", onMessage);

  $("request-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const topic = $<HTMLInputElement>("topic").value.trim();
    client.requestService(topic ? { topic } : {}).then(
      (c) => {
        show(c);
        logLine(log, "system", `Asked for service${topic ? ` about “${topic}”` : ""}`, c.at);
      },
      (e: unknown) => logLine(log, "error", describeError(e)),
    );
  });
  $("chat-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const input = $<HTMLInputElement>("text");
    const data = input.value;
    if (!data || !conversation) return;
    input.value = "";
    client.sendMessage({ conversation_id: conversation.conversation_id, data }).then(
      (r) => void logLine(log, "me", `you: ${data}`, r.at),
      (e: unknown) => logLine(log, "error", describeError(e)),
    );
  });
  $("close-button").addEventListener("click", () => {
    if (!conversation) return;
    client.closeConversation({ conversation_id: conversation.conversation_id }).catch((e: unknown) => logLine(log, "error", describeError(e)));
  });
  state.textContent = "not in service";
  $("chat-form").hidden = true;
  $("close-button").hidden = true;
});
