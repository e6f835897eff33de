// How an upload reaches the attachment store (issue 21): each file streams into a new object of
// the current store (`deps.attachments.current`: local disk, the database or S3) under its
// server-made key (the future attachment id) while it is hashed (SHA-256), counted and inspected.
// Its row is committed afterwards (upload-attachments.ts); until then no reader can find it, and
// an upload that fails removes its objects (`removeStaged`). The client's file name is kept in the
// database only, never used as a key.

import { createHash } from "node:crypto";
import { PassThrough, Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { newId } from "../../db/ids.js";
import { AppError } from "../errors.js";
import { ContentInspector, type ContentFacts } from "./content-type.js";
import type { AttachmentStore } from "./store.js";

/** Upload limits (bytes and count). */
export interface AttachmentLimits {
  /** Per file (default 10 MiB). */
  readonly maxFileBytes: number;
  /** All files of one request together (default 25 MiB). */
  readonly maxRequestBytes: number;
  /** Files per request (default 5). */
  readonly maxFiles: number;
}

export const DEFAULT_ATTACHMENT_LIMITS: AttachmentLimits = Object.freeze({
  maxFileBytes: 10 * 1024 * 1024,
  maxRequestBytes: 25 * 1024 * 1024,
  maxFiles: 5,
});

/**
 * The limits from `ATTACHMENT_MAX_FILE_BYTES`, `ATTACHMENT_MAX_REQUEST_BYTES` and
 * `ATTACHMENT_MAX_FILES` (positive integers), each defaulting to DEFAULT_ATTACHMENT_LIMITS.
 */
export function attachmentLimitsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): AttachmentLimits {
  const read = (name: string, fallback: number): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === "") return fallback;
    if (!/^[1-9]\d{0,14}$/.test(raw)) throw new RangeError(`${name} must be a positive integer`);
    return Number(raw);
  };
  return {
    maxFileBytes: read("ATTACHMENT_MAX_FILE_BYTES", DEFAULT_ATTACHMENT_LIMITS.maxFileBytes),
    maxRequestBytes: read(
      "ATTACHMENT_MAX_REQUEST_BYTES",
      DEFAULT_ATTACHMENT_LIMITS.maxRequestBytes,
    ),
    maxFiles: read("ATTACHMENT_MAX_FILES", DEFAULT_ATTACHMENT_LIMITS.maxFiles),
  };
}

/** A file written to its object (no row yet), with what was learnt on the way. */
export interface StagedFile {
  /** The object's key, which becomes the attachment's id and stored name. */
  readonly key: string;
  readonly size: number;
  readonly sha256: string;
  readonly facts: ContentFacts;
}

/** How many bytes this file and the request still may have. */
export interface StageBudget {
  readonly maxFileBytes: number;
  /** What is left of the per-request total. */
  readonly remainingRequestBytes: number;
}

function tooLarge(message: string): AppError {
  return new AppError("payload_too_large", message);
}

/**
 * Streams `source` into a new object of `store`, hashing, counting and inspecting it. One byte
 * over the per-file limit or the request's remaining total: 413, and the object is gone.
 */
export async function stageFile(
  store: AttachmentStore,
  source: Readable,
  budget: StageBudget,
  label: string,
): Promise<StagedFile> {
  const key = newId("att");
  const hash = createHash("sha256");
  const inspector = new ContentInspector();
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > budget.maxFileBytes) {
        done(tooLarge(`${label} is larger than ${budget.maxFileBytes} bytes`));
        return;
      }
      if (size > budget.remainingRequestBytes) {
        done(tooLarge("the files together are larger than this request may carry"));
        return;
      }
      hash.update(chunk);
      inspector.update(chunk);
      done(null, chunk);
    },
  });
  // The metered bytes flow into the store as they arrive; an error on either side ends both
  // (pipeline destroys the stream the store reads, so its put fails and cleans up).
  const metered = new PassThrough();
  const [fed, stored] = await Promise.allSettled([
    pipeline(source, meter, metered),
    store.put(key, metered).catch((err: unknown) => {
      // The store gave up: stop feeding it (nobody reads `metered` any more).
      metered.destroy(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }),
  ]);
  if (fed.status === "rejected" || stored.status === "rejected") {
    await store.delete(key).catch(() => {});
    // The reader's reason (a limit, a broken body) before the store's echo of it.
    throw fed.status === "rejected" ? fed.reason : (stored as PromiseRejectedResult).reason;
  }
  return { key, size, sha256: hash.digest("hex"), facts: inspector.finish() };
}

/** Removes staged objects that got no row (missing ones are fine). */
export async function removeStaged(store: AttachmentStore, keys: readonly string[]): Promise<void> {
  await Promise.all(keys.map((k) => store.delete(k)));
}
