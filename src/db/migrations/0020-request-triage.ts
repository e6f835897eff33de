// Requests in triage (issue 19, ADR 0033): a client's e-mail that names one of its orders but not
// its reason plainly becomes a request at once, in status `triage`, without a reason until QA
// classifies it. So:
// - refund_requests.reason becomes nullable, and two CHECKs say when it may be null (only in
//   triage, or withdrawn from it) and which statuses exist (there was no status CHECK before);
// - report_requests.reason (derived, kept by triggers) becomes nullable too, and its update
//   trigger copies the reason, which classification sets together with the status.
//
// SQLite cannot drop NOT NULL or add a CHECK, so both tables are rebuilt from their own stored
// definitions (schema text otherwise unchanged), inside the migration's transaction, where
// `PRAGMA foreign_keys` cannot be switched off. Other tables' foreign keys name refund_requests,
// so it is not renamed into place (that would also make SQLite re-check the triggers of other
// tables that name the missing table): its rows are copied aside, the table dropped and made again
// under its own name, and the rows put back, with foreign-key checks deferred to the commit (each
// row put back satisfies the children's references again). Its named indexes and its triggers are
// made again after the rows are back, so the report triggers do not fire for the copy.

import { sql, type Kysely, type Migration } from "kysely";
import { dialectOf } from "../connection.js";
import { rebuild, schemaOf } from "./sqlite-rebuild.js";

const STATUS_CHECK = `status in ('triage', 'submitted', 'in_review', 'info_requested', 'approved', 'denied', 'alternative_offered', 'alternative_accepted', 'withdrawn')`;
const REASON_CHECK = `reason is not null or status in ('triage', 'withdrawn')`;

/** The report row follows the request's reason too (set when QA classifies it). */
const REPORT_UPDATE = `update report_requests
  set status = new.status, reason = new.reason, waiting_since = new.waiting_since,
      recommended_outcome = coalesce(
        (select outcome from recommendations where id = new.recommendation_id), 'none')
  where request_id = new.id`;

export const requestTriage: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    if (dialectOf(db) === "postgres") {
      await sql`alter table refund_requests alter column reason drop not null`.execute(db);
      await sql
        .raw(
          `alter table refund_requests add constraint refund_requests_status_check check (${STATUS_CHECK})`,
        )
        .execute(db);
      await sql
        .raw(
          `alter table refund_requests add constraint refund_requests_reason_check check (${REASON_CHECK})`,
        )
        .execute(db);
      await sql`alter table report_requests alter column reason drop not null`.execute(db);
      // The function resolves tables in the schema it was made in (as 0010 made it).
      await sql
        .raw(
          `create or replace function report_requests_update() returns trigger language plpgsql set search_path from current as $$
           begin ${REPORT_UPDATE}; return null; end $$`,
        )
        .execute(db);
      return;
    }

    await sql`pragma defer_foreign_keys = on`.execute(db);
    const requests = await schemaOf(db, "refund_requests");
    await rebuild(db, "refund_requests", "refund_requests_0020", requests, (text) => {
      const nullable = text.replace(`"reason" text not null,`, `"reason" text,`);
      if (nullable === text) throw new Error("refund_requests: reason is not the NOT NULL column");
      return nullable.replace(
        /\)\s*$/,
        `, constraint "refund_requests_status_check" check (${STATUS_CHECK}), constraint "refund_requests_reason_check" check (${REASON_CHECK}))`,
      );
    });
    const reports = await schemaOf(db, "report_requests");
    await rebuild(db, "report_requests", "report_requests_0020", reports, (text) => {
      const nullable = text.replace(`"reason" text not null,`, `"reason" text,`);
      if (nullable === text) throw new Error("report_requests: reason is not the NOT NULL column");
      return nullable;
    });
    // refund_requests' triggers went with it; made again (the update one with the reason).
    for (const t of requests.filter((r) => r.type === "trigger")) {
      if (t.name === "report_requests_update") {
        await sql
          .raw(
            `create trigger report_requests_update after update of status, recommendation_id, waiting_since on refund_requests begin ${REPORT_UPDATE}; end`,
          )
          .execute(db);
      } else if (t.sql !== null) {
        await sql.raw(t.sql).execute(db);
      }
    }
    const broken = await sql`pragma foreign_key_check`.execute(db);
    if (broken.rows.length > 0) {
      throw new Error(`foreign keys broken by the rebuild: ${JSON.stringify(broken.rows)}`);
    }
  },
};
