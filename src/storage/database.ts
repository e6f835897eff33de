// The `database` attachment store: an object row and its chunks (at most 512 KiB each) in the
// service's database (migration 0017), written one chunk per statement as the upload streams in
// and read one chunk per query as a download streams out, so no process holds a whole file and
// every server on one PostgreSQL sees every file. The default when DATABASE_URL is set (ADR 0031).

import { Readable } from "node:stream";
import type { Kysely } from "kysely";
import {
  AttachmentMissingError,
  type AttachmentStore,
  type StorageKind,
} from "../app/attachments/store.js";
import {
  beginObject,
  deleteObject,
  finishedObjectSize,
  finishObject,
  insertObjectChunk,
  objectChunk,
  objectsBegunBefore,
} from "../db/attachment-objects.js";
import type { Database } from "../db/schema.js";
import { toDbInstant } from "../db/time.js";

/** The largest chunk stored (a row each). */
export const CHUNK_BYTES = 512 * 1024;
const PAGE = 500;

export class DatabaseAttachmentStore implements AttachmentStore {
  readonly kind: StorageKind = "database";

  constructor(
    private readonly db: Kysely<Database>,
    private readonly chunkBytes: number = CHUNK_BYTES,
  ) {}

  async put(key: string, source: Readable): Promise<void> {
    // Begun with the wall clock: the sweep compares object ages with it (ADR 0031).
    await beginObject(this.db, key, toDbInstant(Date.now()));
    let seq = 0;
    let size = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async (upTo: number) => {
      const all = Buffer.concat(pending, pendingBytes);
      const take = all.subarray(0, upTo);
      const rest = all.subarray(upTo);
      await insertObjectChunk(this.db, key, seq++, take);
      pending = rest.length > 0 ? [Buffer.from(rest)] : [];
      pendingBytes = rest.length;
    };
    try {
      for await (const chunk of source) {
        const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
        pending.push(buf);
        pendingBytes += buf.length;
        size += buf.length;
        while (pendingBytes >= this.chunkBytes) await flush(this.chunkBytes);
      }
      if (pendingBytes > 0) await flush(pendingBytes);
      await finishObject(this.db, key, size);
    } catch (err) {
      source.destroy();
      await deleteObject(this.db, key).catch(() => {});
      throw err;
    }
  }

  async open(key: string): Promise<Readable> {
    if ((await finishedObjectSize(this.db, key)) === undefined) {
      throw new AttachmentMissingError(key);
    }
    const db = this.db;
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let seq = 0; ; seq++) {
        const data = await objectChunk(db, key, seq);
        if (data === undefined) return;
        yield Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      }
    }
    // One query per chunk, asked for only when the reader wants more (backpressure).
    return Readable.from(chunks(), { objectMode: false, highWaterMark: 1 });
  }

  async delete(key: string): Promise<void> {
    await deleteObject(this.db, key);
  }

  async *listOlderThan(before: number): AsyncIterable<readonly string[]> {
    const cutoff = toDbInstant(before);
    let after: string | null = null;
    for (;;) {
      const keys = await objectsBegunBefore(this.db, cutoff, after, PAGE);
      if (keys.length === 0) return;
      yield keys;
      after = keys[keys.length - 1]!;
      if (keys.length < PAGE) return;
    }
  }
}
