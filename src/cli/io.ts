import { once } from "node:events";
import { readFile } from "node:fs/promises";
import type { Readable, Writable } from "node:stream";
import type { AppLogger } from "../app/context.js";

/** The process's streams and exit, injectable so the whole command runs in-process in tests. */
export interface CliIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Receives the exit code once the command has finished (main sets process.exitCode). */
  readonly exit: (code: number) => void;
}

/** Exit codes of the command. */
export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_INVALID = 2;

/**
 * An expected failure (invalid input, unreadable file, bad policy file): printed as one line,
 * `refund-desk: <message>`, and the run ends with `exitCode`. Never shown with a stack.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_INVALID,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/**
 * The use cases' logger of a command: warnings and errors as `refund-desk: warning: <message>`
 * lines on stderr (with the error's message, never its stack); nothing for info.
 */
export function stderrLogger(stderr: Writable): AppLogger {
  const line = (level: string) => (context: Record<string, unknown>, message: string) => {
    const err = context["err"];
    const why = err === undefined ? "" : ` (${oneLine(err)})`;
    stderr.write(`refund-desk: ${level}: ${message}${why}\n`);
  };
  return { info: () => {}, warn: line("warning"), error: line("error") };
}

/** The message of anything thrown, on one line (JSON.parse messages quote multi-line input). */
export function oneLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.replace(/\s*[\r\n]+\s*/g, " ").trim();
}

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "is a directory",
  ENOTDIR: "a path component is not a directory",
  EMFILE: "too many open files",
};

/** A file-system error as a short phrase: `no such file or directory (ENOENT)`. */
export function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === "string") {
    const text = ERRNO_TEXT[code];
    return text === undefined ? code : `${text} (${code})`;
  }
  return oneLine(e);
}

/** Reads a whole file as UTF-8; failure is a CliError (exit 2) naming the file. */
export async function readTextFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    throw new CliError(`cannot read ${what} ${path}: ${describeFsError(e)}`);
  }
}

/** Reads a whole stream (standard input) as UTF-8. */
export async function readStreamText(stream: Readable, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      chunks.push(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk);
    }
  } catch (e) {
    throw new CliError(`cannot read ${what}: ${describeFsError(e)}`);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Writes `text`, waiting for 'drain' when the stream asks for backpressure. */
export async function writeText(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, "drain");
}

/** Drops a leading UTF-8 byte-order mark. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
