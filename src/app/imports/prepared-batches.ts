// The prepared batches of one pass of a bulk import (prepare.ts), made in a worker thread when
// the compiled worker is there (parse-worker.js, beside this module in dist/), else in this
// thread (the tests run the TypeScript sources, which a worker thread cannot load; the same
// functions run either way). ADR 0030: on a machine of two cores the import then parses on one
// while the database work runs on the other.
//
// Flow: the worker asks for the source's bytes a chunk at a time ("more"), and sends prepared
// batches a few ahead of what this side has taken (a "credit" goes back for each batch taken):
// memory stays bounded by a few chunks and batches whatever the file's size.

import { existsSync } from "node:fs";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { prepareHere, type PrepareJob, type Prepared } from "./prepare.js";
import { ImportFileError, type OpenSource } from "./rows.js";

/** Messages to the worker. */
export type ToWorker =
  | { readonly type: "chunk"; readonly chunk: Uint8Array }
  | { readonly type: "end" }
  | { readonly type: "credit" };

/** Messages from the worker. */
export type FromWorker =
  | { readonly type: "more" }
  | { readonly type: "batch"; readonly batch: Prepared }
  | { readonly type: "done" }
  | { readonly type: "fileError"; readonly line: number; readonly reason: string }
  | { readonly type: "error"; readonly message: string };

const WORKER = new URL("./parse-worker.js", import.meta.url);

/**
 * The parse worker's young generation, in MB: large enough that a batch's garbage dies in it
 * (a young generation of 1 MB, as `--optimize-for-size` gave it, meant a collection every few
 * rows), small enough that the worker adds little to the import's peak memory.
 */
const WORKER_YOUNG_GENERATION_MB = 8;

/** Whether the worker's compiled module is there (it is in dist/). */
export const PARSE_WORKER_AVAILABLE =
  WORKER.protocol === "file:" && existsSync(fileURLToPath(WORKER));

/** The source's batches prepared for `job`: in a worker thread if `inWorker` (default: when available). */
export function preparedBatches(
  job: PrepareJob,
  open: OpenSource,
  inWorker: boolean = PARSE_WORKER_AVAILABLE,
): AsyncGenerator<Prepared> {
  return inWorker ? prepareInWorker(job, open) : prepareHere(job, open);
}

type Event =
  | FromWorker
  | { readonly type: "failed"; readonly error: unknown }
  | { readonly type: "exit"; readonly code: number };

async function* prepareInWorker(job: PrepareJob, open: OpenSource): AsyncGenerator<Prepared> {
  const worker = new Worker(WORKER, {
    workerData: job,
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
  });
  const inbox: Event[] = [];
  let wake: (() => void) | null = null;
  const deliver = (e: Event) => {
    inbox.push(e);
    wake?.();
    wake = null;
  };
  let stream: Readable | undefined;
  let chunks: AsyncIterator<Uint8Array | string> | undefined;
  // Chunks are read one after the other, in the order the worker asks.
  let feeding = Promise.resolve();
  const feed = async () => {
    stream ??= open();
    chunks ??= (stream as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]();
    const next = await chunks.next();
    if (next.done === true) worker.postMessage({ type: "end" } satisfies ToWorker);
    else {
      const chunk = typeof next.value === "string" ? Buffer.from(next.value) : next.value;
      worker.postMessage({ type: "chunk", chunk } satisfies ToWorker);
    }
  };
  worker.on("message", (m: FromWorker) => {
    if (m.type === "more") {
      feeding = feeding.then(feed).catch((error: unknown) => deliver({ type: "failed", error }));
    } else deliver(m);
  });
  worker.on("error", (error) => deliver({ type: "failed", error }));
  worker.on("exit", (code) => deliver({ type: "exit", code }));
  try {
    for (;;) {
      while (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const e = inbox.shift() as Event;
      switch (e.type) {
        case "batch":
          worker.postMessage({ type: "credit" } satisfies ToWorker);
          yield e.batch;
          break;
        case "done":
          return;
        case "fileError":
          throw new ImportFileError(e.line, e.reason);
        case "error":
          throw new Error(`the import's parse worker failed: ${e.message}`);
        case "failed":
          throw e.error;
        case "exit":
          throw new Error(`the import's parse worker stopped (exit code ${e.code})`);
        case "more":
          break; // handled on arrival
      }
    }
  } finally {
    stream?.destroy();
    await worker.terminate();
  }
}
