// The worker's orphan sweep (issue 21, ADR 0031): an object no attachment row names in its store
// is removed once it is older than a day. Such objects come from an upload that crashed between
// the object written and its row committed, or a move interrupted between the copy and the row's
// update; a failed upload that did not crash removes its own at once. Readers find objects only
// through rows, so an orphan was never visible; the day leaves every upload in flight alone.

import type { AppDeps } from "../context.js";
import { keysWithRows } from "./repository.js";
import { ORPHAN_AGE_MS } from "./store.js";

export interface SweepOptions {
  /** Wall-clock now (object ages are file times and object-store times: default Date.now()). */
  readonly now?: number;
  readonly olderThanMs?: number;
}

/** Removes the orphans of every store this process reaches; returns how many. */
export async function sweepOrphanAttachments(
  deps: Pick<AppDeps, "db" | "attachments" | "logger">,
  options: SweepOptions = {},
): Promise<number> {
  const before = (options.now ?? Date.now()) - (options.olderThanMs ?? ORPHAN_AGE_MS);
  let removed = 0;
  for (const store of deps.attachments.stores) {
    for await (const keys of store.listOlderThan(before)) {
      const kept = await keysWithRows(deps.db, store.kind, keys);
      for (const key of keys) {
        if (kept.has(key)) continue;
        await store.delete(key);
        removed++;
        deps.logger.info({ key, storage: store.kind }, "orphan attachment object removed");
      }
    }
  }
  return removed;
}
