// Publishes a policy version (admins; `POST /policy/versions`, `refund-desk policy publish`): the
// document is checked as a policy file is (every bad field by its path, unknown fields refused),
// its effective instant must lie in the future (a version never rewrites the past: it is
// scheduled, and may be withdrawn until it takes effect), its id (the document's `version`) must
// be new, and no other live version may take effect at the same instant. Audited.

import { createHash } from "node:crypto";
import { msOf, nsOf, parseExactInstant } from "../../core/calendar/instant.js";
import { actorRef, userIdOf } from "../../core/access/index.js";
import { appendAudit } from "../../db/audit.js";
import { toDbInstant } from "../../db/time.js";
import { parsePolicyText } from "../../policy-file/load.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError, invalidField } from "../errors.js";
import { presentVersion, type PolicyVersionView } from "./present.js";
import {
  findPolicyVersionRow,
  insertPolicyVersion,
  liveVersionAt,
  versionOfRow,
} from "./repository.js";
import { allow, timelineNow } from "./shared.js";
import { POLICY_VERSION_ENTITY, storedDocument } from "./store.js";

export interface PublishPolicyVersionInput {
  /** The policy file's text (YAML, or JSON). */
  readonly document: string;
  /** ISO 8601 with an offset, e.g. `2027-01-01T00:00:00+07:00`. */
  readonly effectiveAt: string;
  /**
   * How the refusals name the document's fields: `document` (the API's body field, the default)
   * gives `document.parameters.requestWindowDays`; "" gives the bare path (the CLI's file).
   */
  readonly documentPath?: string;
  /** How the refusals name the effective instant (default `effectiveAt`). */
  readonly effectivePath?: string;
}

/** Parses an effective instant: ISO 8601 with an offset, whole milliseconds. */
export function parseEffectiveAt(text: string, path: string): number {
  const exact = parseExactInstant(text);
  if (exact === undefined || exact === null) {
    throw invalidField(
      path,
      "must be an ISO 8601 instant with an offset, e.g. 2027-01-01T00:00:00+07:00",
    );
  }
  if (nsOf(exact) !== 0) throw invalidField(path, "must be whole milliseconds");
  return msOf(exact);
}

/** Publishes a version; answers it as stored. */
export async function publishPolicyVersion(
  deps: AppDeps,
  ctx: ActionContext,
  input: PublishPolicyVersionInput,
): Promise<PolicyVersionView> {
  allow(ctx, "policy.publish");
  const publisher = userIdOf(ctx.actor);
  if (publisher === null)
    throw new AppError("forbidden", "publishing a policy needs a signed-in admin");
  const docPath = input.documentPath ?? "document";
  const effPath = input.effectivePath ?? "effectiveAt";
  const parsed = parsePolicyText(input.document);
  if (!parsed.ok) {
    const inner =
      parsed.error.path === "(file)" || parsed.error.path === "" ? "" : parsed.error.path;
    const path = [docPath, inner].filter((p) => p !== "").join(".") || "(file)";
    throw new AppError("unprocessable", `policy document: ${path}: ${parsed.error.message}`, [
      { path, message: parsed.error.message },
    ]);
  }
  const policy = parsed.value;
  const effectiveAt = parseEffectiveAt(input.effectiveAt, effPath);

  const view = await deps.db.transaction().execute(async (trx) => {
    const now = deps.clock();
    if (effectiveAt <= now) {
      throw new AppError(
        "unprocessable",
        `${effPath}: must be later than now (${new Date(now).toISOString()}): a published version never changes how the past was judged`,
        [{ path: effPath, message: "must be in the future" }],
      );
    }
    const versionPath = docPath === "" ? "version" : `${docPath}.version`;
    if ((await findPolicyVersionRow(trx, policy.version)) !== undefined) {
      throw new AppError(
        "conflict",
        `policy version "${policy.version}" exists already; give the document a new version`,
        [{ path: versionPath, message: "already published" }],
      );
    }
    const at = toDbInstant(effectiveAt);
    const clash = await liveVersionAt(trx, at);
    if (clash !== undefined) {
      throw new AppError(
        "conflict",
        `version "${clash}" takes effect at that same instant; withdraw it first or choose another`,
        [{ path: effPath, message: `version ${clash} takes effect then` }],
      );
    }
    const document = storedDocument(policy);
    const row = {
      id: policy.version,
      effective_at: at,
      published_by: publisher,
      published_at: toDbInstant(now),
      document,
      withdrawn_at: null,
      withdrawn_by: null,
    };
    if (!(await insertPolicyVersion(trx, row))) {
      throw new AppError("conflict", `policy version "${policy.version}" was published meanwhile`, [
        { path: versionPath, message: "already published" },
      ]);
    }
    await appendAudit(trx, {
      actor: actorRef(ctx.actor),
      action: "policy.publish",
      entityType: POLICY_VERSION_ENTITY,
      entityId: row.id,
      summary: {
        effectiveAt: at,
        documentSha256: createHash("sha256").update(document).digest("hex"),
      },
      ip: ctx.ip,
      at: now,
    });
    return versionOfRow(row);
  });
  deps.policies.forget();
  return presentVersion(view, await timelineNow(deps));
}
