// WAL checkpoints off the event loop (ADR 0011). SQLite's automatic checkpoint runs inside the
// COMMIT that crosses the WAL size limit, on the thread that commits: better-sqlite3 is
// synchronous, so copying the WAL back into the database file and fsyncing it stopped every
// request for tens of milliseconds. With the checkpointer, a worker thread with its own connection
// runs a PASSIVE checkpoint (it never blocks the writer or the readers) every `intervalMs`, and
// the writer's automatic checkpoint is only a safety net for a much larger WAL.

import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** Pages of WAL after which the writer checkpoints itself (if the worker falls behind or dies). */
export const SAFETY_NET_PAGES = 10_000;
const DEFAULT_INTERVAL_MS = 200;

// CommonJS, evaluated in the worker: no separate file to find from both src/ (tests) and dist/.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma("synchronous = FULL");
const checkpoint = () => {
  try {
    const [r] = db.pragma("wal_checkpoint(PASSIVE)");
    if (r && r.checkpointed > 0) parentPort.postMessage({ checkpointed: r.checkpointed });
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on("message", (m) => {
  if (m !== "stop") return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  /** Stops the worker after one last checkpoint. */
  stop(): Promise<void>;
}

/** Starts checkpointing the WAL of `file` in a worker thread. */
export function startCheckpointer(
  file: string,
  onFailure: () => void,
  intervalMs = DEFAULT_INTERVAL_MS,
  onCheckpoint?: (pages: number) => void,
): Checkpointer {
  const module = createRequire(import.meta.url).resolve("better-sqlite3");
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { file, module, intervalMs },
  });
  worker.unref(); // never keeps the process alive on its own
  // A failed checkpoint is retried on the next tick; the writer's safety net bounds the WAL.
  worker.on("message", (m: { checkpointed?: number }) => {
    if (m.checkpointed !== undefined) onCheckpoint?.(m.checkpointed);
  });
  worker.on("error", onFailure); // the worker is gone: the caller checkpoints on its own again
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  return {
    async stop() {
      worker.postMessage("stop");
      await exited;
    },
  };
}
