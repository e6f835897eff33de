// Finance submits the evidence (issue 20): the draft's documents rendered as PDFs and uploaded
// through the provider's files API, then the dispute updated with the text fields and the files
// by id, `submit: true`, before the due-by. The provider is called outside any transaction (a
// slow answer holds no lock): read and check, call, then record under the dispute's lock. A
// refusal or a failed call is audited and answered 503 with the provider's reason; the draft stays
// as it was, so finance can submit again.

import { actorRef, userIdOf } from "../../core/access/index.js";
import { EVIDENCE_FILE_FIELDS } from "../../core/disputes/index.js";
import { appendAudit } from "../../db/audit.js";
import { toDbInstant } from "../../db/time.js";
import { scopeFor } from "../authorize.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError, notFound } from "../errors.js";
import { assertEvidenceOpen } from "./edit-dispute-evidence.js";
import { draftOf, parseStoredEvidence } from "./evidence.js";
import { renderEvidencePdf } from "./pdf.js";
import { presentDisputeDetail, type DisputeDetailJson } from "./present.js";
import { DISPUTE_ENTITY } from "./record-dispute.js";
import { findDispute, lockDispute, updateDispute } from "./repository.js";

export async function submitDisputeEvidence(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
  input: { readonly expectedVersion: number },
): Promise<DisputeDetailJson> {
  scopeFor(ctx.actor, "dispute.write", "dispute");
  const row = await findDispute(deps.db, id);
  if (row === undefined) throw notFound("dispute");
  const now = deps.clock();
  assertEvidenceOpen(row, input.expectedVersion, now, "The evidence cannot be submitted");
  const provider = deps.disputes.provider;
  if (provider === null) {
    throw new AppError("unavailable", "No card provider is configured to submit evidence to.");
  }
  const { draft } = await draftOf(deps, deps.db, row);

  const fail = async (step: string, reason: string): Promise<never> => {
    await deps.db.transaction().execute(async (trx) => {
      await appendAudit(trx, {
        actor: actorRef(ctx.actor),
        action: "dispute.evidence_refused",
        entityType: DISPUTE_ENTITY,
        entityId: row.id,
        summary: { step, reason },
        ip: ctx.ip,
        at: deps.clock(),
      });
    });
    throw new AppError(
      "unavailable",
      `The card provider did not take the evidence (${step}): ${reason}`,
    );
  };

  const files: Record<string, string> = {};
  for (const field of EVIDENCE_FILE_FIELDS) {
    const bytes = await renderEvidencePdf(draft.documents[field], now);
    const up = await provider.uploadEvidenceFile({ name: `${row.id}-${field}.pdf`, bytes });
    if (!up.ok) return fail(`upload ${field}`, up.reason);
    files[field] = up.fileId;
  }
  const evidence: Record<string, string> = { ...files };
  for (const [field, value] of Object.entries(draft.text)) {
    if (value !== null && value.trim() !== "") evidence[field] = value;
  }
  const answer = await provider.updateDispute(row.id, evidence, true);
  if (!answer.ok) return fail("submit", answer.reason);

  return deps.db.transaction().execute(async (trx) => {
    const current = await lockDispute(trx, row.id);
    if (current === undefined) throw notFound("dispute");
    const at = toDbInstant(deps.clock());
    const stored = parseStoredEvidence(current.evidence_json);
    const next = {
      ...current,
      evidence_json: JSON.stringify({ ...stored, files }),
      evidence_submitted_at: at,
      submitted_by: userIdOf(ctx.actor) ?? actorRef(ctx.actor),
      // The provider's answer, unless one of its events already said something newer.
      status: current.version === row.version ? answer.status : current.status,
      updated_at: at,
      version: current.version + 1,
    };
    await updateDispute(trx, current.id, {
      evidence_json: next.evidence_json,
      evidence_submitted_at: next.evidence_submitted_at,
      submitted_by: next.submitted_by,
      status: next.status,
      updated_at: at,
      version: next.version,
    });
    await appendAudit(trx, {
      actor: actorRef(ctx.actor),
      action: "dispute.evidence_submitted",
      entityType: DISPUTE_ENTITY,
      entityId: current.id,
      summary: {
        fields: Object.keys(evidence).sort(),
        files,
        status: next.status,
        dueBy: current.due_by,
      },
      ip: ctx.ip,
      at: deps.clock(),
    });
    return presentDisputeDetail(next, await draftOf(deps, trx, next));
  });
}
