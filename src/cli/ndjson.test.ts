import { Readable, Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { serializeDecision, evaluateRefund, type Policy } from "../core/policy/index.js";
import { collector, fixtureCase, fixtureCases } from "../../test/support/cli.js";
import { evaluateNdjson, loadPolicy, runNdjson } from "./evaluate.js";
import { runCli } from "./program.js";

const policy = loadPolicy(undefined);
const cases = [...fixtureCases().values()].map((c) => JSON.stringify(c));

function expected(line: string): string {
  const r = evaluateRefund(JSON.parse(line), policy);
  if (!r.ok) throw new Error(r.error.message);
  return serializeDecision(r.value);
}

async function* pieces(chunks: (string | Buffer)[]): AsyncGenerator<string | Buffer> {
  for (const c of chunks) {
    await Promise.resolve();
    yield c;
  }
}

describe("runNdjson", () => {
  it("gives the same output however the input is cut into chunks (bytes, mid-character too)", async () => {
    const lines = cases.map((c, i) =>
      i === 3 ? c.replace('"description":"', '"description":"Ünïcödé → 😀 ') : c,
    );
    const bytes = Buffer.from(`${lines.join("\n")}\n`, "utf8");
    const want = `${lines.map(expected).join("\n")}\n`;
    for (const size of [1, 7, 64, 1000, bytes.length]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      const out = collector();
      const s = await runNdjson(pieces(chunks), out.stream, policy);
      expect(out.text(), `chunk size ${size}`).toBe(want);
      expect(s).toEqual({
        lines: lines.length,
        decisions: lines.length,
        invalid: 0,
        internal: 0,
        firstBadLine: 0,
      });
    }
  });

  it("treats a last line without a newline, and one ending in \\r, as a line", async () => {
    const out = collector();
    const s = await runNdjson(pieces([`${cases[0]}\n${cases[1]}\r`]), out.stream, policy);
    expect(s.lines).toBe(2);
    expect(out.text()).toBe(`${expected(cases[0] ?? "")}\n${expected(cases[1] ?? "")}\n`);
  });

  it("keeps a very long line that arrives in many chunks intact", async () => {
    const c = fixtureCase("01-not-delivered-never-started") as { request: { description: string } };
    c.request.description = "x".repeat(300_000);
    const text = JSON.stringify(c);
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += 4096) chunks.push(text.slice(i, i + 4096));
    chunks.push("\n");
    const out = collector();
    await runNdjson(pieces(chunks), out.stream, policy);
    expect(out.text()).toBe(`${expected(text)}\n`);
  });

  it("respects backpressure: waits for 'drain' and loses nothing, in order", async () => {
    const n = 3000;
    const lines = Array.from({ length: n }, (_, i) => cases[i % cases.length] ?? "");
    const got: string[] = [];
    let writes = 0;
    let drains = 0;
    let maxQueued = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, cb) {
        writes++;
        maxQueued = Math.max(maxQueued, slow.writableLength);
        got.push(chunk.toString("utf8"));
        setImmediate(cb); // a slow consumer: every write completes later
      },
    });
    slow.on("drain", () => drains++);
    const s = await runNdjson(pieces([`${lines.join("\n")}\n`]), slow, policy);
    expect(s.decisions).toBe(n);
    const text = got.join("");
    const out = text.split("\n");
    expect(out.pop()).toBe("");
    expect(out).toHaveLength(n);
    for (let i = 0; i < cases.length; i++) expect(out[i]).toBe(expected(lines[i] ?? ""));
    expect(out[n - 1]).toBe(expected(lines[n - 1] ?? ""));
    // Batched: far fewer writes than lines, and the loop did wait for the consumer.
    expect(writes).toBeLessThan(n / 20);
    expect(drains).toBeGreaterThan(0);
    // Never more than about one batch waiting in the stream (the whole output is ~50 batches).
    expect(text.length).toBeGreaterThan(1_000_000);
    expect(maxQueued).toBeLessThan(200_000);
  });

  it("an engine failure on one line becomes an error object; the run goes on", async () => {
    // A policy object that never came from the loader makes the engine throw (a stand-in for a bug).
    const broken = { ...policy, params: null } as unknown as Policy;
    const out = collector();
    const s = await runNdjson(pieces([`${cases[0]}\n{bad\n`]), out.stream, broken);
    expect(s).toMatchObject({ internal: 1, invalid: 1, decisions: 0, firstBadLine: 1 });
    const lines = out
      .text()
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { error: { line: number; path: string; message: string } });
    expect(lines[0]?.error.line).toBe(1);
    expect(lines[0]?.error.path).toBe("(internal)");
    expect(lines[0]?.error.message).toMatch(/^internal error: /);
    expect(lines[1]?.error.line).toBe(2);
  });
});

describe("unexpected failures: exit 1, one line, no stack", () => {
  it("evaluate --ndjson with an engine failure exits 1", async () => {
    const out = collector();
    const err = collector();
    const broken = { ...policy, params: null } as unknown as Policy;
    const code = await evaluateNdjson(undefined, broken, {
      stdin: Readable.from([`${cases[0]}\n`]),
      stdout: out.stream,
      stderr: err.stream,
      exit: () => {},
    });
    expect(code).toBe(1);
    expect(err.text()).toMatch(
      /^refund-desk: 1 of 1 cases failed or were invalid \(first at line 1\)/,
    );
  });

  it("a stdout that throws: `refund-desk: unexpected error: ...`, exit 1", async () => {
    const err = collector();
    let exited: number | undefined;
    const stdout = new Writable({ write: (_c, _e, cb) => cb() });
    stdout.write = () => {
      throw new TypeError("the terminal caught fire\n    at somewhere (file.js:1:1)");
    };
    const code = await runCli(["evaluate", "-"], {
      stdin: Readable.from([cases[0] ?? ""]),
      stdout,
      stderr: err.stream,
      exit: (c) => {
        exited = c;
      },
    });
    expect(code).toBe(1);
    expect(exited).toBe(1);
    expect(err.text()).toBe(
      "refund-desk: unexpected error: the terminal caught fire at somewhere (file.js:1:1)\n",
    );
  });
});
