// What every use case receives: the database, the policy in force, the clock, where files live,
// the process's caches and its logger. Use cases are plain functions
// `(deps, ctx, input) => Promise<output>` that run one transaction (load -> decide with the core
// -> save + audit + outbox) and throw AppError on expected failures.
//
// Nothing of the app keeps state in a module: what lives longer than a call (the caches) is a
// field here, made once per process by `createAppDeps` in the wiring (src/service, src/cli, the
// benchmarks) and in test support, so two servers in one process never share a cache and a test
// can hand a cache its own clock.

import { performance } from "node:perf_hooks";
import type { Kysely } from "kysely";
import type { Actor } from "../core/access/index.js";
import type { Policy } from "../core/policy/index.js";
import type { DialectName } from "../db/connection.js";
import type { Database } from "../db/schema.js";
import { SessionCache } from "./auth/session-cache.js";
import { RecommendationCache } from "./requests/recommendation-cache.js";

/**
 * Where the app reports what it handles without failing the call (an error it swallows, a
 * bookkeeping write that did not happen). The shape of pino's methods (`logger.warn({ err, id },
 * "what happened")`), so the service hands its pino logger over unchanged.
 */
export interface AppLogger {
  info(context: Record<string, unknown>, message: string): void;
  warn(context: Record<string, unknown>, message: string): void;
  error(context: Record<string, unknown>, message: string): void;
}

/** A logger that drops everything (tools and tests that do not look at logs). */
export const SILENT_LOGGER: AppLogger = Object.freeze({
  info: () => {},
  warn: () => {},
  error: () => {},
});

/** Long-lived dependencies of the use cases, built once per process (`createAppDeps`). */
export interface AppDeps {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  readonly policy: Policy;
  /** Epoch milliseconds; injected so tests control time. */
  readonly clock: () => number;
  /** Where attachments are stored (below `${dataDir}/attachments`). */
  readonly dataDir: string;
  /**
   * Session lookups of this process (ADR 0011): the authenticator stores them, every use case
   * that ends sessions or changes users empties it (`thenForgetSessions`).
   */
  readonly sessions: SessionCache;
  /** Recommendation JSON parsed once per stored text (the hot read of a request). */
  readonly recommendations: RecommendationCache;
  readonly logger: AppLogger;
}

/** What `createAppDeps` needs; the caches are made here, the rest is given. */
export interface AppDepsInput {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  readonly policy: Policy;
  readonly clock: () => number;
  readonly dataDir: string;
  /** Default: silent. */
  readonly logger?: AppLogger;
  /**
   * Monotonic milliseconds for the caches' lifetimes (default `performance.now`): not the
   * business clock, which tests set to fixed instants and may move backwards.
   */
  readonly cacheClock?: () => number;
}

/** The use cases' dependencies with fresh caches of their own. */
export function createAppDeps(input: AppDepsInput): AppDeps {
  const cacheClock = input.cacheClock ?? (() => performance.now());
  return {
    db: input.db,
    dialect: input.dialect,
    policy: input.policy,
    clock: input.clock,
    dataDir: input.dataDir,
    sessions: new SessionCache({ now: cacheClock }),
    recommendations: new RecommendationCache(),
    logger: input.logger ?? SILENT_LOGGER,
  };
}

/** Who is acting, and from where: recorded in every audit event. */
export interface ActionContext {
  readonly actor: Actor;
  readonly ip: string | null;
}
