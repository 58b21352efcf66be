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
 * Wires the sign-in form (#signin-form with #name, optional #token) to a client for `role` and shows the connection
 * state in #status. `ready` runs once, BEFORE the first connect: the frames right behind CONNECT (offline private
 * messages, the desk's waiting queue, SB-CS-006) are dispatched as soon as CONNECT arrives, so handlers registered
 * after `connect()` resolved would miss them. `me` is filled from CONNECT before any other event is dispatched.
 * The name is kept in sessionStorage for reloads.
 */
export function signIn(role: Role, ready: (client: SwitchboardClient, me: UserRef) => void): void {
  const form = $<HTMLFormElement>("signin-form");
  const nameInput = $<HTMLInputElement>("name");
  const tokenRow = $("token-row");
  const tokenInput = $<HTMLInputElement>("token");
  const error = $("signin-error");
  const status = $("status");
  const key = `switchboard.${role}.name`;
  const me: { -readonly [K in keyof UserRef]: UserRef[K] } = { id: "", name: "", role };
  // What the token provider uses; set by each sign-in attempt (one client per page, so handlers are wired once).
  let identity = { user: "", name: "", pasted: "" };
  let first: string | undefined;
  let client: SwitchboardClient | undefined;
  const wire = (): SwitchboardClient => {
    const c = new SwitchboardClient({
      url: location.origin,
      // called on every (re)connect and before the short-lived demo token expires (in-band refresh)
      token: () => {
        if (identity.pasted) return identity.pasted;
        const t = first;
        first = undefined;
        return t ?? demoToken(identity.user, identity.name, role);
      },
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
  const start = async (): Promise<void> => {
    error.textContent = "";
    const name = nameInput.value.trim();
    const pasted = tokenInput.value.trim();
    if (!name && !pasted) return;
    const user = userIdFor(name);
    first = undefined;
    if (!pasted) {
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
    identity = { user, name, pasted };
    client ??= wire();
    try {
      const connect = await client.connect();
      sessionStorage.setItem(key, name);
      form.closest("section")!.hidden = true;
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
