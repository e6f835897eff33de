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
import { PolicyStore } from "./policy/store.js";
import { RecommendationCache } from "./requests/recommendation-cache.js";
import { ServiceMetrics } from "./metrics/metrics.js";
import type { AttachmentStorage } from "./attachments/store.js";
import type { CardDisputeProvider } from "./disputes/ports.js";

/**
 * The card provider's dispute API as the wiring opened it (issue 20): set once the provider is
 * open (it starts after the deps), null where none is configured (submitting evidence is then
 * refused as unavailable).
 */
export interface DisputeProviderSlot {
  provider: CardDisputeProvider | null;
}

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
  /**
   * The policy versions (ADR 0025): the version in force at an instant, a version by id, the one
   * a request is judged under. No use case keeps a policy of its own.
   */
  readonly policies: PolicyStore;
  /** Epoch milliseconds; injected so tests control time. */
  readonly clock: () => number;
  /** The server's own directory: e-mail copies in demo mode (`mail/`), `local` attachments. */
  readonly dataDir: string;
  /** Where attachment bytes live (ATTACHMENT_STORAGE; issue 21, ADR 0031). */
  readonly attachments: AttachmentStorage;
  /**
   * Session lookups of this process (ADR 0011): the authenticator stores them, every use case
   * that ends sessions or changes users empties it (`thenForgetSessions`).
   */
  readonly sessions: SessionCache;
  /** Recommendation JSON parsed once per stored text (the hot read of a request). */
  readonly recommendations: RecommendationCache;
  readonly logger: AppLogger;
  /** This process's Prometheus metrics (issue 17), scraped at /metrics. */
  readonly metrics: ServiceMetrics;
  /** Where dispute evidence is sent (issue 20); set by the wiring. */
  readonly disputes: DisputeProviderSlot;
}

/** What `createAppDeps` needs; the caches are made here, the rest is given. */
export interface AppDepsInput {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  /** The policy file: published as the first version when the database has none (null: never). */
  readonly policy: Policy | null;
  readonly clock: () => number;
  readonly dataDir: string;
  /** The attachment stores (src/storage's `openAttachmentStorage`, or `localStorageOnly` in tests). */
  readonly attachments: AttachmentStorage;
  /** Default: silent. */
  readonly logger?: AppLogger;
  /**
   * Monotonic milliseconds for the caches' lifetimes (default `performance.now`): not the
   * business clock, which tests set to fixed instants and may move backwards.
   */
  readonly cacheClock?: () => number;
  /** Default: a registry of its own without the process's figures (the service adds them). */
  readonly metrics?: ServiceMetrics;
}

/** The use cases' dependencies with fresh caches of their own. */
export function createAppDeps(input: AppDepsInput): AppDeps {
  const cacheClock = input.cacheClock ?? (() => performance.now());
  return {
    db: input.db,
    dialect: input.dialect,
    policies: new PolicyStore({
      db: input.db,
      initial: input.policy,
      clock: input.clock,
      cacheClock,
    }),
    clock: input.clock,
    dataDir: input.dataDir,
    attachments: input.attachments,
    sessions: new SessionCache({ now: cacheClock }),
    recommendations: new RecommendationCache(),
    logger: input.logger ?? SILENT_LOGGER,
    metrics: input.metrics ?? new ServiceMetrics({ processMetrics: false }),
    disputes: { provider: null },
  };
}

/** Who is acting, and from where: recorded in every audit event. */
export interface ActionContext {
  readonly actor: Actor;
  readonly ip: string | null;
}
