// GET /ready: whether this process can serve, i.e. its database answers a read. An embedded
// database whose WAL sync failed refuses everything (ADR 0016), so the answer turns false and an
// orchestrator takes the process out.

import { pingDatabase } from "../db/connection.js";
import type { AppDeps } from "./context.js";

/** True while the database answers. */
export async function databaseReady(deps: Pick<AppDeps, "db">): Promise<boolean> {
  try {
    await pingDatabase(deps.db);
    return true;
  } catch {
    return false;
  }
}
