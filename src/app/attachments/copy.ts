// Streaming an object from one store to another (or through a hash only), counting and hashing
// on the way: what `attachments move` and `attachments verify` share.

import { createHash } from "node:crypto";
import { PassThrough, Transform, Writable, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { AttachmentStore } from "./store.js";

/** Size and SHA-256 (lower-case hex) of what went through. */
export interface Digest {
  readonly size: number;
  readonly sha256: string;
}

function digesting(): { meter: Transform; digest: () => Digest } {
  const hash = createHash("sha256");
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      hash.update(chunk);
      done(null, chunk);
    },
  });
  return { meter, digest: () => ({ size, sha256: hash.digest("hex") }) };
}

/** Reads the whole object once, keeping only its size and hash. */
export async function digestOf(source: Readable): Promise<Digest> {
  const { meter, digest } = digesting();
  const sink = new Writable({ write: (_chunk, _enc, done) => done() });
  await pipeline(source, meter, sink);
  return digest();
}

/** Streams `source` into `target` under `key`; on any failure the target holds nothing of it. */
export async function copyInto(
  target: AttachmentStore,
  key: string,
  source: Readable,
): Promise<Digest> {
  const { meter, digest } = digesting();
  const through = new PassThrough();
  const [fed, stored] = await Promise.allSettled([
    pipeline(source, meter, through),
    target.put(key, through).catch((err: unknown) => {
      through.destroy(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }),
  ]);
  if (fed.status === "rejected" || stored.status === "rejected") {
    await target.delete(key).catch(() => {});
    throw fed.status === "rejected" ? fed.reason : (stored as PromiseRejectedResult).reason;
  }
  return digest();
}
