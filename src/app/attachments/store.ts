// The attachment storage port (issue 21): where an attachment's bytes live. The use cases own it;
// the adapters live in the shell (src/storage: `local` files under DATA_DIR, `database` chunks in
// the service's database, `s3` any S3-compatible object store) and the wiring picks them from
// ATTACHMENT_STORAGE. Every attachment row names the store holding its bytes (`storage`), so a
// server reads rows of every kind it is configured for, and `attachments move` changes a row's
// store one file at a time.
//
// An object is written first and its row committed after it: readers find objects only through
// rows, so an object without a row is invisible; a failed upload deletes its objects at once, and
// one a crash left behind is swept by the worker a day later (`sweepOrphanAttachments`).

import type { Readable } from "node:stream";

export const STORAGE_KINDS = ["local", "database", "s3"] as const;
export type StorageKind = (typeof STORAGE_KINDS)[number];

export function isStorageKind(value: string): value is StorageKind {
  return (STORAGE_KINDS as readonly string[]).includes(value);
}

/** What a download may be answered with instead of the bytes (s3 only). */
export interface PresignOptions {
  readonly seconds: number;
  readonly contentType: string;
  readonly contentDisposition: string;
}

/** One place attachment bytes live, addressed by key (the attachment's server-made id). */
export interface AttachmentStore {
  readonly kind: StorageKind;
  /**
   * Streams `source` into the object `key`, replacing any object of that key. Never holds the
   * whole file in memory. On any error (the source's included) nothing of the object remains
   * and the error is rethrown.
   */
  put(key: string, source: Readable): Promise<void>;
  /** The object's bytes as a stream; rejects with `AttachmentMissingError` when there is none. */
  open(key: string): Promise<Readable>;
  /** Removes the object; a missing one is fine. */
  delete(key: string): Promise<void>;
  /** The keys of the objects (finished or not) written before `before` (epoch ms), in pages. */
  listOlderThan(before: number): AsyncIterable<readonly string[]>;
  /** A URL serving the object for `seconds` with these response headers (s3 only). */
  presignedUrl?(key: string, options: PresignOptions): Promise<string>;
}

/** The stores a process is configured for, and the one new uploads go to. */
export interface AttachmentStorage {
  /** Where new uploads go (ATTACHMENT_STORAGE). */
  readonly current: AttachmentStore;
  /** Every store this process can reach (local and database always; s3 when configured). */
  readonly stores: readonly AttachmentStore[];
  /** Downloads from s3 redirect to a presigned URL valid for a minute (S3_PRESIGNED_DOWNLOADS=1). */
  readonly presignDownloads: boolean;
}

/** The store of `kind`; throws when this process is not configured for it. */
export function storeOf(storage: AttachmentStorage, kind: string): AttachmentStore {
  const store = storage.stores.find((s) => s.kind === kind);
  if (store === undefined) {
    throw new Error(
      `attachment storage "${kind}" is not configured in this process (ATTACHMENT_STORAGE, S3_*)`,
    );
  }
  return store;
}

/** An object that should be there is not. */
export class AttachmentMissingError extends Error {
  constructor(readonly key: string) {
    super(`attachment bytes missing: ${key}`);
    this.name = "AttachmentMissingError";
  }
}

/** How long an object without a row is left alone before the sweep removes it. */
export const ORPHAN_AGE_MS = 24 * 60 * 60 * 1000;

/** The whole stream as one buffer: only for what is built in memory anyway (a privacy export). */
export async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(parts);
}
