// What every use case receives: the database, the policy in force, the clock and where files live.
// Use cases are plain functions `(deps, ctx, input) => Promise<output>` that run one transaction
// (load -> decide with the core -> save + audit + outbox) and throw AppError on expected failures.

import type { Kysely } from "kysely";
import type { Actor } from "../core/access/index.js";
import type { Policy } from "../core/policy/index.js";
import type { DialectName } from "../db/connection.js";
import type { Database } from "../db/schema.js";

/** Long-lived dependencies of the use cases, built once per process. */
export interface AppDeps {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  readonly policy: Policy;
  /** Epoch milliseconds; injected so tests control time. */
  readonly clock: () => number;
  /** Where attachments are stored (below `${dataDir}/attachments`). */
  readonly dataDir: string;
  /** Where use cases log what they do not return (pino's shape); absent: pino on stderr. */
  readonly logger?: AppLogger;
}

/** The part of a pino logger the use cases call. */
export interface AppLogger {
  error(details: object, message: string): void;
}

/** Who is acting, and from where: recorded in every audit event. */
export interface ActionContext {
  readonly actor: Actor;
  readonly ip: string | null;
}
