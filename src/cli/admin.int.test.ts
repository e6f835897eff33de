// `refund-desk admin create` on a fresh SQLite database (DATA_DIR): the first administrator gets
// a one-time link, the link sets the password, a second run is refused without --force; plus the
// settings that make a production install reachable (PUBLIC_URL from the listen address,
// TRUST_PROXY).

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultPublicUrl, notifyConfigFromEnv } from "../notify/config.js";
import { parseTrustProxy } from "../http/server.js";
import { runCli, type CliIo } from "./program.js";

let dir: string;
const saved = { DATA_DIR: process.env["DATA_DIR"], DATABASE_URL: process.env["DATABASE_URL"] };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "refund-desk-admin-"));
  process.env["DATA_DIR"] = dir;
  delete process.env["DATABASE_URL"];
});
afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await rm(dir, { recursive: true, force: true });
});

async function run(argv: string[], stdin = "") {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = "";
  let stderr = "";
  out.on("data", (d: Buffer) => (stdout += d.toString()));
  err.on("data", (d: Buffer) => (stderr += d.toString()));
  const io: CliIo = { stdin: Readable.from([stdin]), stdout: out, stderr: err, exit: () => {} };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

describe("refund-desk admin create", () => {
  it("creates the first administrator with a one-time link, then refuses a second without --force", async () => {
    const first = await run(["admin", "create", "--email", "Ada@Example.com", "--name", "Ada"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/Administrator ada@example\.com \(usr_[\w-]+\) created\./);
    expect(first.stdout).toMatch(/\/set-password\?token=[\w-]{43}/);
    const second = await run(["admin", "create", "--email", "bob@example.com"]);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/an administrator exists already \(ada@example\.com\)/);
    const forced = await run(
      ["admin", "create", "--email", "bob@example.com", "--force", "--password-stdin"],
      "a long enough passphrase\n",
    );
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/created with the password given/);
    expect(forced.stdout).not.toContain("passphrase");
    const taken = await run(["admin", "create", "--email", "bob@example.com", "--force"]);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(/--email: has an account already/);
    const short = await run(
      ["admin", "create", "--email", "carl@example.com", "--force", "--password-stdin"],
      "short",
    );
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/--password: must be at least 12 characters/);
  });
});

describe("production settings", () => {
  it("PUBLIC_URL defaults to the address the server listens on", () => {
    expect(defaultPublicUrl({ PORT: "8080" })).toBe("http://127.0.0.1:8080");
    expect(defaultPublicUrl({ PORT: "8080", HOST: "0.0.0.0" })).toBe("http://localhost:8080");
    expect(defaultPublicUrl({ HOST: "::1" })).toBe("http://[::1]:3000");
    expect(notifyConfigFromEnv({ PORT: "4100" }).publicUrl).toBe("http://127.0.0.1:4100");
    expect(notifyConfigFromEnv({ PORT: "4100", PUBLIC_URL: "https://r.example/" }).publicUrl).toBe(
      "https://r.example",
    );
  });

  it("TRUST_PROXY reads off, true, a hop count or addresses, and names a bad entry", () => {
    expect(parseTrustProxy(undefined)).toBe(false);
    expect(parseTrustProxy("0")).toBe(false);
    expect(parseTrustProxy("true")).toBe(true);
    expect(parseTrustProxy("2")).toBe(2);
    expect(parseTrustProxy("10.0.0.0/8, 127.0.0.1")).toEqual(["10.0.0.0/8", "127.0.0.1"]);
    expect(() => parseTrustProxy("proxy.internal")).toThrow(/"proxy.internal" is none of these/);
  });
});
