// The `database` attachment store's statements (issue 21, ADR 0031): an object row, its chunks
// written one at a time as the upload streams in and read one at a time as a download streams
// out. src/storage/database.ts is the adapter that uses them.

import type { Kysely, Transaction } from "kysely";
import type { Database } from "./schema.js";

type Db = Kysely<Database> | Transaction<Database>;

/** Begins the object `key` (size null until it is finished), replacing any object of that key. */
export async function beginObject(db: Kysely<Database>, key: string, at: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom("attachment_chunks").where("object_key", "=", key).execute();
    await trx.deleteFrom("attachment_objects").where("key", "=", key).execute();
    await trx
      .insertInto("attachment_objects")
      .values({ key, created_at: at, size_bytes: null })
      .execute();
  });
}

/** Stores chunk `seq` of the object. */
export async function insertObjectChunk(
  db: Db,
  key: string,
  seq: number,
  data: Uint8Array,
): Promise<void> {
  await db.insertInto("attachment_chunks").values({ object_key: key, seq, data }).execute();
}

/** Marks the object finished with its size. */
export async function finishObject(db: Db, key: string, size: number): Promise<void> {
  await db
    .updateTable("attachment_objects")
    .set({ size_bytes: size })
    .where("key", "=", key)
    .execute();
}

/** The finished object's size, or undefined when there is no finished object of that key. */
export async function finishedObjectSize(db: Db, key: string): Promise<number | undefined> {
  const row = await db
    .selectFrom("attachment_objects")
    .select("size_bytes")
    .where("key", "=", key)
    .executeTakeFirst();
  return row?.size_bytes === null || row === undefined ? undefined : Number(row.size_bytes);
}

/** Chunk `seq` of the object, or undefined past its end. */
export async function objectChunk(
  db: Db,
  key: string,
  seq: number,
): Promise<Uint8Array | undefined> {
  const row = await db
    .selectFrom("attachment_chunks")
    .select("data")
    .where("object_key", "=", key)
    .where("seq", "=", seq)
    .executeTakeFirst();
  return row?.data;
}

/** Removes the object and its chunks (a missing one is fine). */
export async function deleteObject(db: Kysely<Database>, key: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom("attachment_chunks").where("object_key", "=", key).execute();
    await trx.deleteFrom("attachment_objects").where("key", "=", key).execute();
  });
}

/** Keys of objects begun before `before`, after `afterKey` in key order, at most `limit`. */
export async function objectsBegunBefore(
  db: Db,
  before: string,
  afterKey: string | null,
  limit: number,
): Promise<string[]> {
  let q = db
    .selectFrom("attachment_objects")
    .select("key")
    .where("created_at", "<", before)
    .orderBy("key")
    .limit(limit);
  if (afterKey !== null) q = q.where("key", ">", afterKey);
  const rows = await q.execute();
  return rows.map((r) => r.key);
}
