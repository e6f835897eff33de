// `refund-desk attachments move --to database|s3` and `attachments verify` (issue 21, ADR 0031).
//
// Move, one file at a time: copy the bytes from the store the row names to the target under the
// same key, hashing them on the way; a size or hash that differs from the row's is a failure
// (the copy is deleted, the row stays). Then, in one transaction, the row is pointed at the
// target (only if it still names the source) with an `attachment.moved` audit event; after the
// commit the source's object is deleted. Resumable: rows already in the target are not looked at
// again, so a rerun after an interruption moves each remaining file once; a copy left in the
// target by an interruption before the row's update is overwritten by the rerun (or swept).

import { appendAudit } from "../../db/audit.js";
import type { AppDeps } from "../context.js";
import { copyInto, digestOf } from "./copy.js";
import { attachmentsAfter, setAttachmentStorage, type StoredAttachment } from "./repository.js";
import { AttachmentMissingError, storeOf, type StorageKind } from "./store.js";

const PAGE = 100;

export interface MoveProblem {
  readonly id: string;
  readonly storage: string;
  readonly problem: string;
}

export interface MoveSummary {
  readonly moved: number;
  readonly bytes: number;
  /** Files left where they were, and why. */
  readonly failed: readonly MoveProblem[];
}

export interface MoveOptions {
  readonly to: StorageKind;
  /** Called as each file passes a step (progress; tests interrupt here). */
  readonly onStep?: (step: "copied" | "moved", id: string) => void | Promise<void>;
}

function describe(err: unknown): string {
  if (err instanceof AttachmentMissingError) return "bytes missing";
  return err instanceof Error ? err.message : String(err);
}

/** What moving and verifying need of the app's dependencies. */
export type StorageDeps = Pick<AppDeps, "db" | "attachments" | "clock">;

/** Moves every attachment not yet in `to` there. */
export async function moveAttachments(
  deps: StorageDeps,
  options: MoveOptions,
): Promise<MoveSummary> {
  const target = storeOf(deps.attachments, options.to);
  let moved = 0;
  let bytes = 0;
  const failed: MoveProblem[] = [];
  let after: string | null = null;
  for (;;) {
    const rows = await attachmentsAfter(deps.db, after, PAGE, options.to);
    if (rows.length === 0) break;
    for (const row of rows) {
      const problem = await moveOne(deps, row, options);
      if (problem === null) {
        moved++;
        bytes += Number(row.size_bytes);
      } else {
        failed.push({ id: row.id, storage: row.storage, problem });
      }
    }
    after = rows[rows.length - 1]!.id;
  }
  return { moved, bytes, failed };

  async function moveOne(
    deps: StorageDeps,
    row: StoredAttachment,
    opts: MoveOptions,
  ): Promise<string | null> {
    const key = row.stored_name;
    let source;
    try {
      source = storeOf(deps.attachments, row.storage);
      const copied = await copyInto(target, key, await source.open(key));
      if (copied.size !== Number(row.size_bytes) || copied.sha256 !== row.sha256) {
        await target.delete(key);
        return `content differs from its row (${copied.size} bytes, sha256 ${copied.sha256})`;
      }
    } catch (err) {
      return describe(err);
    }
    await opts.onStep?.("copied", row.id);
    const now = deps.clock();
    const switched = await deps.db.transaction().execute(async (trx) => {
      if (!(await setAttachmentStorage(trx, row.id, row.storage, opts.to))) return false;
      await appendAudit(trx, {
        actor: "system:attachments-move",
        action: "attachment.moved",
        entityType: "attachment",
        entityId: row.id,
        summary: { from: row.storage, to: opts.to, sizeBytes: Number(row.size_bytes) },
        ip: null,
        at: now,
      });
      return true;
    });
    if (!switched) return "the row changed while it was copied (moved or deleted elsewhere)";
    await source.delete(key);
    await opts.onStep?.("moved", row.id);
    return null;
  }
}

export interface VerifySummary {
  readonly checked: number;
  readonly problems: readonly MoveProblem[];
}

/** Reads every attachment's bytes from its store: present, with the row's size and SHA-256. */
export async function verifyAttachments(deps: StorageDeps): Promise<VerifySummary> {
  let checked = 0;
  const problems: MoveProblem[] = [];
  let after: string | null = null;
  for (;;) {
    const rows = await attachmentsAfter(deps.db, after, PAGE);
    if (rows.length === 0) break;
    for (const row of rows) {
      checked++;
      try {
        const got = await digestOf(
          await storeOf(deps.attachments, row.storage).open(row.stored_name),
        );
        if (got.size !== Number(row.size_bytes)) {
          problems.push({
            id: row.id,
            storage: row.storage,
            problem: `${got.size} bytes, the row says ${row.size_bytes}`,
          });
        } else if (got.sha256 !== row.sha256) {
          problems.push({ id: row.id, storage: row.storage, problem: "SHA-256 differs" });
        }
      } catch (err) {
        problems.push({ id: row.id, storage: row.storage, problem: describe(err) });
      }
    }
    after = rows[rows.length - 1]!.id;
  }
  return { checked, problems };
}
