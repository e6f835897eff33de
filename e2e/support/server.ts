// The server under test: the built CLI, its own port and data folder, stopped after the run.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface StartedServer {
  readonly url: string;
  /** Where the server writes each e-mail as an .eml file (no SMTP_URL): DATA_DIR/mail. */
  readonly mailDir: string;
  stop(): Promise<void>;
}

const ROOT = join(import.meta.dirname, "..", "..");

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Starts `refund-desk serve` and resolves once it says it is running. */
export async function startServer(env: Record<string, string> = {}): Promise<StartedServer> {
  const main = join(ROOT, "dist", "src", "cli", "main.js");
  if (!existsSync(main) || !existsSync(join(ROOT, "dist", "web", "index.html"))) {
    throw new Error("build first: npm run build && npm run build:web (npm install does both)");
  }
  const dataDir = mkdtempSync(join(tmpdir(), "rd-e2e-"));
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [main, "serve"], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      DATABASE_URL: "",
      NODE_ENV: "test",
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 60_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const m = /running on (http:\/\/\S+)/.exec(output);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}):\n${output}`));
    });
  });
  return {
    url,
    mailDir: join(dataDir, "mail"),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
