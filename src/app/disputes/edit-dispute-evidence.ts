// Finance edits the evidence draft's text fields (issue 20): a field set to a string replaces the
// desk's text, `null` leaves it empty, and a field left out keeps what it was; `reset` names
// fields that go back to the desk's own text. Optimistic: the version read must be current.
// Audited with the fields changed (never their text: it may quote the client).

import { actorRef } from "../../core/access/index.js";
import {
  EVIDENCE_TEXT_FIELDS,
  MAX_TEXT_FIELD,
  submitRefusal,
  type EvidenceTextField,
} from "../../core/disputes/index.js";
import { appendAudit } from "../../db/audit.js";
import { fromDbInstantOrNull, toDbInstant } from "../../db/time.js";
import { scopeFor } from "../authorize.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError, invalidField, notFound } from "../errors.js";
import { draftOf, parseStoredEvidence } from "./evidence.js";
import { presentDisputeDetail, type DisputeDetailJson } from "./present.js";
import { lockDispute, updateDispute, type DisputeRow } from "./repository.js";
import { DISPUTE_ENTITY } from "./record-dispute.js";

export interface EditEvidenceInput {
  readonly expectedVersion: number;
  readonly text?: Partial<Record<EvidenceTextField, string | null>>;
  readonly reset?: readonly EvidenceTextField[];
}

export function checkVersion(row: { version: number; status: string }, expected: number): void {
  if (row.version !== expected) {
    throw new AppError("version_conflict", "the dispute changed since it was read", [], {
      currentVersion: row.version,
      state: row.status,
    });
  }
}

/**
 * Throws unless the dispute is at `expected` and its evidence may still be submitted at `now`
 * (core `submitRefusal`); `refusing` says what was asked, before the reason.
 */
export function assertEvidenceOpen(
  row: DisputeRow,
  expected: number,
  now: number,
  refusing: string,
): void {
  checkVersion(row, expected);
  const refused = submitRefusal(
    {
      status: row.status,
      dueBy: fromDbInstantOrNull(row.due_by),
      submitted: row.evidence_submitted_at !== null,
    },
    now,
  );
  if (refused !== null) {
    throw new AppError("invalid_transition", `${refusing}: ${refused}.`, [], {
      state: row.status,
      currentVersion: row.version,
    });
  }
}

export async function editDisputeEvidence(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
  input: EditEvidenceInput,
): Promise<DisputeDetailJson> {
  scopeFor(ctx.actor, "dispute.write", "dispute");
  for (const [field, value] of Object.entries(input.text ?? {})) {
    if (!(EVIDENCE_TEXT_FIELDS as readonly string[]).includes(field)) {
      throw invalidField(`body.text.${field}`, "is not an evidence text field");
    }
    if (typeof value === "string" && value.length > MAX_TEXT_FIELD) {
      throw invalidField(`body.text.${field}`, `must be at most ${MAX_TEXT_FIELD} characters`);
    }
    if (
      field === "service_date" &&
      typeof value === "string" &&
      !/^\d{4}-\d{2}-\d{2}$/.test(value)
    ) {
      throw invalidField("body.text.service_date", "must be a date, YYYY-MM-DD");
    }
  }
  return deps.db.transaction().execute(async (trx) => {
    const row = await lockDispute(trx, id);
    if (row === undefined) throw notFound("dispute");
    const now = deps.clock();
    assertEvidenceOpen(row, input.expectedVersion, now, "The evidence can no longer change");
    const stored = parseStoredEvidence(row.evidence_json);
    const text: Partial<Record<EvidenceTextField, string | null>> = { ...(stored.text ?? {}) };
    for (const f of input.reset ?? []) delete text[f];
    for (const [f, v] of Object.entries(input.text ?? {})) {
      text[f as EvidenceTextField] = v ?? null;
    }
    const at = toDbInstant(now);
    await updateDispute(trx, row.id, {
      evidence_json: JSON.stringify({ ...stored, text }),
      updated_at: at,
      version: row.version + 1,
    });
    await appendAudit(trx, {
      actor: actorRef(ctx.actor),
      action: "dispute.evidence_edited",
      entityType: DISPUTE_ENTITY,
      entityId: row.id,
      summary: {
        fields: Object.keys(input.text ?? {}),
        reset: [...(input.reset ?? [])],
        version: row.version + 1,
      },
      ip: ctx.ip,
      at: now,
    });
    const next = {
      ...row,
      evidence_json: JSON.stringify({ ...stored, text }),
      updated_at: at,
      version: row.version + 1,
    };
    return presentDisputeDetail(next, await draftOf(deps, trx, next));
  });
}
