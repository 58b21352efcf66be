// Starts the real reference server (the built Switchboard.ReferenceServer.dll) on a free loopback port with a temp
// data directory and a known signing key, and mints HS256 tokens with that key (PROTOCOL.md section 4.3).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");

export function serverDll(): string {
  const fromEnv = process.env.SWITCHBOARD_SERVER_DLL;
  if (fromEnv) return fromEnv;
  const dll = join(repoRoot, "src/ReferenceServer/bin/Release/net10.0/Switchboard.ReferenceServer.dll");
  if (!existsSync(dll)) {
    const build = spawnSync("dotnet", ["build", join(repoRoot, "src/ReferenceServer"), "-c", "Release", "-v", "q", "-nologo"], { stdio: "inherit" });
    if (build.status !== 0) throw new Error("dotnet build src/ReferenceServer failed");
  }
  return dll;
}

export async function freePort(): Promise<number> {
  return await new Promise((resolvePort, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolvePort(port));
    });
  });
}

export class TestServer {
  readonly signingKey = "ts-client-tests-" + randomBytes(24).toString("hex");
  readonly dataDir = mkdtempSync(join(tmpdir(), "sb-ts-"));
  port = 0;
  private process: ChildProcess | undefined;
  private output = "";

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts (or restarts, on the same port and data) the server and waits for /health. */
  async start(extraArgs: string[] = []): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    this.output = "";
    const child = spawn(
      "dotnet",
      [serverDll(), "--urls", this.httpUrl, "--data-dir", this.dataDir, "--signing-key", this.signingKey, "--Logging:LogLevel:Default=Warning", ...extraArgs],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, DOTNET_NOLOGO: "1" } },
    );
    this.process = child;
    child.stdout!.on("data", (d: Buffer) => (this.output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (this.output += d.toString()));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${this.output}`);
      try {
        const r = await fetch(`${this.httpUrl}/health`);
        if (r.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`server did not start:\n${this.output}`);
  }

  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((done) => {
      child.once("exit", () => done());
      child.kill("SIGTERM");
    });
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** An HS256 token for `user` with `role`, valid for `ttlSeconds`. */
  token(user: string, role = "user", ttlSeconds = 3600, name?: string): string {
    const now = Math.floor(Date.now() / 1000);
    const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString("base64url");
    const head = b64({ alg: "HS256", typ: "JWT" });
    const body = b64({ sub: user, role, ...(name ? { name } : {}), iat: now, exp: now + ttlSeconds });
    const sig = createHmac("sha256", Buffer.from(this.signingKey, "utf8")).update(`${head}.${body}`).digest("base64url");
    return `${head}.${body}.${sig}`;
  }
}
