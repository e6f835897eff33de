import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { runCli, type CliIo } from "../../src/cli/program.js";

// Helpers for the CLI tests in src/cli (kept under test/ so they stay out of dist).

export const ROOT = join(import.meta.dirname, "..", "..");
export const FIXTURES = join(ROOT, "test", "fixtures", "cases");

/** Every fixture case, by file name, with its `expect` key removed. */
export function fixtureCases(): Map<string, Record<string, unknown>> {
  const cases = new Map<string, Record<string, unknown>>();
  for (const f of readdirSync(FIXTURES)
    .filter((n) => n.endsWith(".json"))
    .sort()) {
    const doc = JSON.parse(readFileSync(join(FIXTURES, f), "utf8")) as Record<string, unknown>;
    delete doc.expect;
    cases.set(f.replace(/\.json$/, ""), doc);
  }
  return cases;
}

/** A case by fixture name (a fresh deep copy, safe to mutate). */
export function fixtureCase(name: string): Record<string, unknown> {
  const c = fixtureCases().get(name);
  if (c === undefined) throw new Error(`no fixture ${name}`);
  return structuredClone(c);
}

/** A fresh temporary folder. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "refund-desk-cli-"));
}

/** Writes `content` (a string, or JSON of anything else) to `dir/name`; returns the path. */
export function writeTemp(dir: string, name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return path;
}

export interface Run {
  readonly code: number;
  /** What io.exit received (must equal code). */
  readonly exited: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

/** A Writable that collects what is written to it. */
export function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

/** Runs the command in-process with `stdin` (a string, or chunks) as standard input. */
export async function run(argv: string[], stdin: string | Buffer[] = ""): Promise<Run> {
  const out = collector();
  const err = collector();
  let exited: number | undefined;
  const io: CliIo = {
    stdin: Readable.from(typeof stdin === "string" ? [Buffer.from(stdin, "utf8")] : stdin),
    stdout: out.stream,
    stderr: err.stream,
    exit: (c) => {
      exited = c;
    },
  };
  const code = await runCli(argv, io);
  return { code, exited, stdout: out.text(), stderr: err.text() };
}
