// The transactional outbox: a message for the worker written in the caller's transaction, beside
// the state change it reports (and beside its audit event, src/db/audit.ts). The relay
// (src/worker/outbox-relay.ts) sends each at least once; receivers make it exactly once.

import type { Kysely } from "kysely";
import { newId } from "./ids.js";
import { precompile } from "./precompiled.js";
import type { Database } from "./schema.js";
import { toDbInstant } from "./time.js";

/** Enqueues a message for the worker (transactional outbox), in the caller's transaction. */
export async function enqueueOutbox(
  trx: Kysely<Database>,
  topic: string,
  payload: unknown,
  now: number,
): Promise<string> {
  const id = newId("obx");
  const at = toDbInstant(now);
  await INSERT_OUTBOX.executeWrite(trx, {
    id,
    topic,
    payload: JSON.stringify(payload),
    created_at: at,
    available_at: at,
  });
  return id;
}

const INSERT_OUTBOX = precompile<{
  id: string;
  topic: string;
  payload: string;
  created_at: string;
  available_at: string;
}>()((db, p) =>
  db.insertInto("outbox").values({
    id: p("id"),
    topic: p("topic"),
    payload: p("payload"),
    created_at: p("created_at"),
    available_at: p("available_at"),
  }),
);
