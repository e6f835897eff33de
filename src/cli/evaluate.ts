import { createReadStream } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import type { Readable, Writable } from "node:stream";
import {
  decisionToJson,
  evaluateRefund,
  serializeDecision,
  type Policy,
} from "../core/policy/index.js";
import { DEFAULT_POLICY_PATH, loadPolicyFile } from "../policy-file/load.js";
import {
  CliError,
  describeFsError,
  EXIT_INTERNAL,
  EXIT_INVALID,
  EXIT_OK,
  oneLine,
  readStreamText,
  readTextFile,
  stripBom,
  writeText,
  type CliIo,
} from "./io.js";

/** Loads the policy in force (the default file unless `--policy FILE`); a bad file is exit 2. */
export function loadPolicy(file: string | undefined): Policy {
  const r = loadPolicyFile(file ?? DEFAULT_POLICY_PATH);
  if (!r.ok) {
    throw new CliError(
      `policy file ${file ?? DEFAULT_POLICY_PATH}: ${r.error.path}: ${r.error.message}`,
    );
  }
  return r.value;
}

/** `evaluate FILE` / `evaluate -`: one case in, the decision (pretty JSON) out. */
export async function evaluateSingle(source: string, policy: Policy, io: CliIo): Promise<number> {
  const text =
    source === "-"
      ? await readStreamText(io.stdin, "standard input")
      : await readTextFile(source, "case file");
  let raw: unknown;
  try {
    raw = JSON.parse(stripBom(text));
  } catch (e) {
    throw new CliError(`invalid case: (input): not valid JSON: ${oneLine(e)}`);
  }
  const r = evaluateRefund(raw, policy);
  if (!r.ok) throw new CliError(`invalid case: ${r.error.path || "(root)"}: ${r.error.message}`);
  await writeText(io.stdout, `${JSON.stringify(decisionToJson(r.value), null, 2)}\n`);
  return EXIT_OK;
}

/** Output is written in pieces of about this many UTF-16 units. */
const FLUSH_AT = 64 * 1024;
/** Read size for a case file given by name (standard input reads what the pipe offers). */
const FILE_CHUNK = 1024 * 1024;

export interface NdjsonSummary {
  /** Physical lines seen, blank ones included. */
  readonly lines: number;
  readonly decisions: number;
  /** Lines answered with an error object (invalid JSON or invalid case). */
  readonly invalid: number;
  /** Lines on which the engine itself failed (a bug): also answered with an error object. */
  readonly internal: number;
  /** The first bad line's number, 0 when none. */
  readonly firstBadLine: number;
}

/**
 * The NDJSON loop: reads `input` in large chunks, splits on "\n" by hand (keeping the partial
 * tail, tolerating "\r\n"), evaluates each non-blank line with the one `policy`, and writes one
 * compact decision or `{"error":{line,path,message}}` per case, in order, batched into large
 * writes that respect backpressure. Blank lines produce nothing but still count for numbering.
 */
export async function runNdjson(
  input: AsyncIterable<Buffer | string>,
  out: Writable,
  policy: Policy,
): Promise<NdjsonSummary> {
  const decoder = new StringDecoder("utf8");
  let pending: string[] = [];
  let buf = "";
  let lineNo = 0;
  let decisions = 0;
  let invalid = 0;
  let internal = 0;
  let firstBadLine = 0;

  const fail = (path: string, message: string): void => {
    if (firstBadLine === 0) firstBadLine = lineNo;
    buf += `${JSON.stringify({ error: { line: lineNo, path, message } })}\n`;
  };

  // One physical line, without its "\n" (and without a trailing "\r").
  const handle = (line: string): void => {
    const c = line.charCodeAt(0);
    if (c !== 123 /* { */) {
      if (line.trim() === "") return;
      if (c === 0xfeff && lineNo === 1) line = line.slice(1);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (e) {
      invalid++;
      fail("(line)", `not valid JSON: ${oneLine(e)}`);
      return;
    }
    try {
      const r = evaluateRefund(raw, policy);
      if (r.ok) {
        buf += `${serializeDecision(r.value)}\n`;
        decisions++;
      } else {
        invalid++;
        fail(r.error.path || "(root)", r.error.message);
      }
    } catch (e) {
      internal++;
      fail("(internal)", `internal error: ${oneLine(e)}`);
    }
  };

  const take = async (text: string): Promise<void> => {
    let start = 0;
    let nl = text.indexOf("\n");
    while (nl !== -1) {
      lineNo++;
      const end = nl > start && text.charCodeAt(nl - 1) === 13 /* \r */ ? nl - 1 : nl;
      handle(text.slice(start, end));
      if (buf.length >= FLUSH_AT) {
        const chunk = buf;
        buf = "";
        await writeText(out, chunk);
      }
      start = nl + 1;
      nl = text.indexOf("\n", start);
    }
    pending = start < text.length ? [text.slice(start)] : [];
  };

  for await (const chunk of input) {
    const piece = typeof chunk === "string" ? chunk : decoder.write(chunk);
    if (piece.indexOf("\n") === -1) {
      // No line ends here: keep the piece (a very long line grows as a list, not by re-copying).
      pending.push(piece);
      continue;
    }
    await take(pending.length === 0 ? piece : pending.join("") + piece);
  }
  const last = pending.join("") + decoder.end();
  if (last.length > 0) {
    lineNo++;
    handle(last.charCodeAt(last.length - 1) === 13 ? last.slice(0, -1) : last);
  }
  if (buf.length > 0) await writeText(out, buf);
  return { lines: lineNo, decisions, invalid, internal, firstBadLine };
}

/** Wraps an input stream so a read failure (e.g. a missing file) becomes a CliError. */
async function* readChunks(stream: Readable, what: string): AsyncGenerator<Buffer | string> {
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) yield chunk;
  } catch (e) {
    throw new CliError(`cannot read ${what}: ${describeFsError(e)}`);
  }
}

/** `evaluate --ndjson [FILE]`: exit 0, or 2 when any line was bad, or 1 on an engine failure. */
export async function evaluateNdjson(
  source: string | undefined,
  policy: Policy,
  io: CliIo,
): Promise<number> {
  const fromStdin = source === undefined || source === "-";
  const stream = fromStdin ? io.stdin : createReadStream(source, { highWaterMark: FILE_CHUNK });
  const what = fromStdin ? "standard input" : `case file ${source}`;
  let summary: NdjsonSummary;
  try {
    summary = await runNdjson(readChunks(stream, what), io.stdout, policy);
  } finally {
    if (!fromStdin) stream.destroy();
  }
  const bad = summary.invalid + summary.internal;
  if (bad === 0) return EXIT_OK;
  const kind = summary.internal > 0 ? "failed or were invalid" : "were invalid";
  await writeText(
    io.stderr,
    `refund-desk: ${bad} of ${summary.decisions + bad} cases ${kind} (first at line ${summary.firstBadLine}); see the error objects in the output\n`,
  );
  return summary.internal > 0 ? EXIT_INTERNAL : EXIT_INVALID;
}
