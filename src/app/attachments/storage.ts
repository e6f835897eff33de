// Where attachment files live and how an upload reaches the disk: each file streams to
// `${dataDir}/attachments/tmp-<random>` while it is hashed (SHA-256), counted and inspected; only
// when the upload commits is it renamed to its server-made name (the attachment id). The client's
// file name is kept in the database only, never used on disk.

import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AppError } from "../errors.js";
import { ContentInspector, type ContentFacts } from "./content-type.js";

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

/** The attachments directory below the data directory. */
export function attachmentsDir(dataDir: string): string {
  return join(dataDir, "attachments");
}

/** The path of a stored attachment (its name is the attachment id, made by the server). */
export function storedPath(dataDir: string, storedName: string): string {
  if (!/^[a-z0-9]+_[0-9a-f-]{36}$/.test(storedName)) {
    throw new Error(`not a stored attachment name: ${storedName}`);
  }
  return join(attachmentsDir(dataDir), storedName);
}

/** A file written to its temporary place, with what was learnt on the way. */
export interface StagedFile {
  readonly tmpPath: string;
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
 * Streams `source` to a new temporary file in the attachments directory, hashing, counting and
 * inspecting it. One byte over the per-file limit or the request's remaining total: 413, and the
 * temporary file is gone.
 */
export async function stageFile(
  dataDir: string,
  source: Readable,
  budget: StageBudget,
  label: string,
): Promise<StagedFile> {
  const dir = attachmentsDir(dataDir);
  await mkdir(dir, { recursive: true });
  const tmpPath = join(dir, `tmp-${randomBytes(16).toString("hex")}`);
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
  try {
    await pipeline(source, meter, createWriteStream(tmpPath, { flags: "wx", mode: 0o600 }));
  } catch (err) {
    await rm(tmpPath, { force: true });
    throw err;
  }
  return { tmpPath, size, sha256: hash.digest("hex"), facts: inspector.finish() };
}

/** Removes temporary files (missing ones are fine: they were moved). */
export async function removeFiles(paths: readonly string[]): Promise<void> {
  await Promise.all(paths.map((p) => rm(p, { force: true })));
}
