// The audit trail of one person (GET /audit?userId=): what they did is found by actor, in chain
// order, without scanning the whole log; what was done to their account already has
// audit_events_entity_idx (entity_type, entity_id, seq).

import type { Kysely, Migration } from "kysely";

export const auditActorIndex: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createIndex("audit_events_actor_idx")
      .on("audit_events")
      .columns(["actor", "seq"])
      .execute();
  },
};
