// Shared by the demo pages: sign-in through the server's demo token endpoint (or a pasted token), the client,
// the connection status line and small DOM helpers. Everything on the wire goes through @switchboard/client.
import { SwitchboardClient, SwitchboardError, type Role, type UserRef } from "../src/index.js";

export const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} missing`);
  return e as T;
};

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

/** A user id the server accepts ([A-Za-z0-9_.@-]{1,64}) made from a display name. */
export function userIdFor(name: string): string {
  const id = name.trim().toLowerCase().replace(/[^a-z0-9_.@-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 64);
  return id || "guest";
}

export function time(at: string): string {
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

export function who(u: UserRef): string {
  return u.name && u.name !== u.id ? `${u.name} (${u.id})` : u.id;
}

/** Appends a line to a log element and keeps it scrolled to the end. */
export function logLine(log: HTMLElement, kind: string, text: string, at?: string): HTMLElement {
  const line = h("div", { class: `line ${kind}`, "data-kind": kind }, h("span", { class: "at" }, at ? time(at) : time(new Date().toISOString())), " ", text);
  log.append(line);
  log.scrollTop = log.scrollHeight;
  return line;
}

export function describeError(e: unknown): string {
  if (e instanceof SwitchboardError) return `${e.error} (${e.code}): ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

async function demoToken(user: string, name: string, role: Role): Promise<string> {
  const r = await fetch("/demo/token", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ user, name, role }) });
  if (r.status === 404) throw new Error("demo-off");
  if (!r.ok) throw new Error(`demo sign-in failed: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { token: string }).token;
}

/**
 * Wires the sign-in form (#signin-form with #name, optional #token) to a connected client for `role`, shows the
 * connection state in #status, and calls `ready` once connected. The name is kept in sessionStorage for reloads.
 */
export function signIn(role: Role, ready: (client: SwitchboardClient, me: UserRef) => void): void {
  const form = $<HTMLFormElement>("signin-form");
  const nameInput = $<HTMLInputElement>("name");
  const tokenRow = $("token-row");
  const tokenInput = $<HTMLInputElement>("token");
  const error = $("signin-error");
  const status = $("status");
  const key = `switchboard.${role}.name`;
  const start = async (): Promise<void> => {
    error.textContent = "";
    const name = nameInput.value.trim();
    const pasted = tokenInput.value.trim();
    if (!name && !pasted) return;
    const user = userIdFor(name);
    const usePasted = pasted.length > 0;
    let first: string | undefined;
    if (!usePasted) {
      try {
        first = await demoToken(user, name, role);
      } catch (e) {
        if ((e as Error).message === "demo-off") {
          tokenRow.hidden = false;
          error.textContent = "The demo sign-in is off on this server (it answers only when the server listens on loopback only and Switchboard:Web:DemoSignIn is true). Paste a token from `dotnet run --project src/ReferenceServer -- token --user <id> --role " + role + "`.";
          return;
        }
        error.textContent = describeError(e);
        return;
      }
    }
    const client = new SwitchboardClient({
      url: location.origin,
      // called on every (re)connect and before the short-lived demo token expires (in-band refresh)
      token: usePasted
        ? pasted
        : () => {
            const t = first;
            first = undefined;
            return t ?? demoToken(user, name, role);
          },
    });
    client.onStateChange((c) => {
      status.textContent = c.state + (c.close && c.state !== "connected" ? ` (${c.close.code} ${c.close.reason})` : "");
      status.dataset.state = c.state;
      document.body.dataset.state = c.state;
    });
    try {
      const connect = await client.connect();
      sessionStorage.setItem(key, name);
      form.closest("section")!.hidden = true;
      $("me").textContent = who(connect.user);
      document.body.dataset.user = connect.user.id;
      ready(client, connect.user);
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
