// The README's "From the browser" quickstart: type-checked by `npm test` (tsconfig.pages.json) and compared with
// README.md by test/readme.test.ts, so the code a new user copies cannot rot.
// #region Quickstart
import { ErrorCode, SwitchboardClient, SwitchboardError } from "@switchboard/client";

const client = new SwitchboardClient({
  url: "ws://127.0.0.1:8080", // a page served by the server can pass location.origin
  namespace: "web",
  token: () => signIn(), // your app's JWT; called on every (re)connect and before it expires (in-band refresh)
  // webSocket: WebSocket, // Node.js only: `import { WebSocket } from "ws"`; browsers use their own
});

// Typed events: a handler (returns an unsubscribe function), or `for await (const m of client.events("PRIVATE_MESSAGE"))`.
const unsubscribe = client.on("PRIVATE_MESSAGE", (m) => console.log(`${m.user.name}: ${m.data}`));
client.onStateChange((change) => console.log(`connection: ${change.state}`)); // connecting, connected, reconnecting, ...

await client.connect();
const echo = await client.echo({ data: "hello" });
console.log(`echo: ${echo.data}`);
try {
  await client.sendPrivateMessage({ to: "bob", data: "hi bob" });
} catch (e) {
  if (!(e instanceof SwitchboardError && e.code === ErrorCode.RECIPIENT_UNKNOWN)) throw e;
  console.log("bob has never connected");
}
// #endregion

unsubscribe();
await client.stop();

/** Your app's sign-in, e.g. a fetch to your backend returning a JWT signed with the server's key. */
declare function signIn(): Promise<string>;
