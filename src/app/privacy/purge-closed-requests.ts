// Retention (issue 17): the messages and attachments of requests closed longer ago than the
// policy file's `retention.closedRequestDataYears` are deleted by the worker, each request in one
// transaction with its audit event; the files go after the commit. The request itself, its
// decisions and payouts stay (financial records), marked `purged_at` so it is done once.

import { DEFAULT_RETENTION } from "../../core/policy/policy-file.js";
import { appendAudit } from "../../db/audit.js";
import { toDbInstant } from "../../db/time.js";
import { storeOf } from "../attachments/store.js";
import type { AppDeps } from "../context.js";
import { purgeRequest, requestsDueForPurge } from "./repository.js";

/** The instant before which a request must have closed to be purged now. */
export function retentionCutoff(now: number, years: number): number {
  const d = new Date(now);
  d.setUTCFullYear(d.getUTCFullYear() - years);
  return d.getTime();
}

/** Purges up to `limit` requests due; returns how many. */
export async function purgeClosedRequests(deps: AppDeps, limit = 50): Promise<number> {
  const now = deps.clock();
  const policy = await deps.policies.current();
  const years = (policy.retention ?? DEFAULT_RETENTION).closedRequestDataYears;
  const due = await requestsDueForPurge(deps.db, toDbInstant(retentionCutoff(now, years)), limit);
  for (const r of due) {
    const { files } = await deps.db.transaction().execute(async (trx) => {
      const purged = await purgeRequest(trx, r.id, toDbInstant(now));
      await appendAudit(trx, {
        actor: "worker:retention",
        action: "request.data_purged",
        entityType: "refund_request",
        entityId: r.id,
        summary: {
          closedAt: r.closed_at,
          retentionYears: years,
          messages: purged.messages,
          attachments: purged.files.length,
        },
        ip: null,
        at: now,
      });
      return purged;
    });
    for (const f of files) await storeOf(deps.attachments, f.storage).delete(f.stored_name);
  }
  return due.length;
}
