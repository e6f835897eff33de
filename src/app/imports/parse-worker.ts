// The parse worker of a bulk import (ADR 0030): one pass over the file in a worker thread, so the
// main thread only does the database work while this one reads the rows (csv-parse), checks their
// fields and, for the write pass, makes their database rows and audit summaries (prepare.ts).
// The bytes come from the main thread, a chunk when asked (the source may be a file or an import
// body stored in the database); the prepared batches go back a few ahead of what the main thread
// has taken, so memory stays a few batches whatever the file's size (prepared-batches.ts).

import { Readable } from "node:stream";
import { parentPort, workerData } from "node:worker_threads";
import { prepareHere, type PrepareJob } from "./prepare.js";
import type { FromWorker, ToWorker } from "./prepared-batches.js";
import { ImportFileError } from "./rows.js";

/** Batches sent ahead of what the main thread has taken. */
const AHEAD = 4;

const port = parentPort;
if (port === null) throw new Error("parse-worker.js runs as a worker thread");
const job = workerData as PrepareJob;
const post = (m: FromWorker) => port.postMessage(m);

let credit = AHEAD;
let wake: (() => void) | null = null;
const input = new Readable({
  highWaterMark: 2 * 1024 * 1024,
  read() {
    post({ type: "more" });
  },
});
port.on("message", (m: ToWorker) => {
  if (m.type === "chunk") input.push(m.chunk);
  else if (m.type === "end") input.push(null);
  else {
    credit++;
    wake?.();
    wake = null;
  }
});

try {
  for await (const batch of prepareHere(job, () => input)) {
    while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
    credit--;
    post({ type: "batch", batch });
  }
  post({ type: "done" });
} catch (e) {
  post(
    e instanceof ImportFileError
      ? { type: "fileError", line: e.line, reason: e.reason }
      : { type: "error", message: e instanceof Error ? (e.stack ?? e.message) : String(e) },
  );
} finally {
  port.close();
}
