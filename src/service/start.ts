// Starts the whole system: database (migrated), policy, HTTP server, and (unless WORKER=off) a
// worker in the same process that moves money and messages; on an empty database outside
// production, the demo company. Used by `refund-desk serve` and so by `npm start`.
// `startWorkerService` runs a worker alone (`refund-desk worker`), for scaling out.

import type { FastifyInstance } from "fastify";
import { pino, type Logger } from "pino";
import { createAuthenticator } from "../app/auth/index.js";
import { createAppDeps, SILENT_LOGGER, type AppDeps, type AppLogger } from "../app/context.js";
import { openDatabase, type OpenDatabaseOptions, type OpenedDatabase } from "../db/connection.js";
import { migrateToLatest } from "../db/migrations/index.js";
import { ROUTES } from "../http/routes/index.js";
import { buildServer, LOGGER_OPTIONS, parseTrustProxy } from "../http/server.js";
import { findWebRoot } from "../http/web-app.js";
import {
  createMailTransport,
  notifyConfigFromEnv,
  type MailTransport,
  type NotifyConfig,
} from "../notify/index.js";
import { loadPolicyFile } from "../policy-file/load.js";
import { cardWebhookRoutes } from "../http/routes/webhooks.js";
import {
  openStripeCardProvider,
  stripeConfigFromEnv,
  stripeWebhookVerifier,
  type OpenedCardProvider,
  type StripeConfig,
  type StripeStandIn,
} from "../payouts/stripe/index.js";
import { createNotifier } from "../notify/index.js";
import { ACCOUNT_PREFIX, createAccountMailer } from "../notify/account-mailer.js";
import { createWorker, type Worker } from "../worker/worker.js";
import { withRecordedCharges } from "./demo-charges.js";
import { demoAccountsIn, isEmpty, seedDemo, type DemoAccount } from "./demo-seed.js";

export interface ServiceOptions {
  readonly port: number;
  readonly host: string;
  readonly database: OpenDatabaseOptions;
  /** The policy file; the shipped default when absent. */
  readonly policyFile?: string;
  /** Load the demo company into an empty database (never in production). */
  readonly demo: boolean;
  readonly secureCookies: boolean;
  /** pino options, or false for silence. */
  readonly logger?: boolean | object;
  /** E-mail and link settings (SMTP_URL, MAIL_FROM, PUBLIC_URL); from the environment if absent. */
  readonly notify?: NotifyConfig;
  /** Run a worker in this process (default); WORKER=off for servers that only answer HTTP. */
  readonly worker?: boolean;
  /** The card provider (STRIPE_*); from the environment if absent. */
  readonly stripe?: StripeConfig;
  /** How long the worker waits between empty ticks (ms). */
  readonly workerIdleMs?: number;
  /** Which proxies' X-Forwarded-For to believe (TRUST_PROXY); default: none. */
  readonly trustProxy?: boolean | number | readonly string[];
  /** The built web app to serve at `/` (default dist/web when built); null: the API alone. */
  readonly webRoot?: string | null;
}

export interface RunningService {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly dialect: string;
  readonly demoAccounts: DemoAccount[];
  /** What the notifier needs besides the database: its settings and the mail transport. */
  readonly notify: { readonly config: NotifyConfig; readonly mail: MailTransport };
  /** The card provider in use, e.g. "stripe (api.stripe.com)" or the demo stand-in. */
  readonly cardProvider: string;
  /** The in-process worker, or null with WORKER=off. */
  readonly worker: Worker | null;
  /** Demo mode: the in-process Stripe stand-in (null with a real key or no provider). */
  readonly standIn: StripeStandIn | null;
  stop(): Promise<void>;
}

/** Reads the service's settings from the environment (PORT, HOST, DATA_DIR, DATABASE_URL, ...). */
export function serviceOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceOptions {
  const port = Number(env["PORT"] ?? "3000");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`PORT must be a port number, got "${env["PORT"]}"`);
  }
  const url = env["DATABASE_URL"]?.trim();
  const schema = env["DATABASE_SCHEMA"]?.trim() || undefined;
  return {
    port,
    host: env["HOST"]?.trim() || "127.0.0.1",
    database: url
      ? { databaseUrl: url, ...(schema === undefined ? {} : { schema }) }
      : { dataDir: env["DATA_DIR"]?.trim() || "./data" },
    policyFile: env["POLICY_FILE"]?.trim() || undefined,
    demo: env["NODE_ENV"] !== "production" && env["DEMO"] !== "0",
    secureCookies: env["SECURE_COOKIES"] === "1",
    notify: notifyConfigFromEnv(env),
    worker: workerEnabled(env),
    stripe: stripeConfigFromEnv(env),
    trustProxy: parseTrustProxy(env["TRUST_PROXY"]),
  };
}

function workerEnabled(env: NodeJS.ProcessEnv): boolean {
  const v = env["WORKER"]?.trim().toLowerCase();
  if (v === undefined || v === "" || v === "on" || v === "1") return true;
  if (v === "off" || v === "0") return false;
  throw new RangeError(`WORKER must be "on" or "off", got "${env["WORKER"]}"`);
}

/** The card payments a demo stand-in must know (it keeps its charges in memory). */
async function cardCharges(deps: AppDeps) {
  const rows = await deps.db
    .selectFrom("payments")
    .select(["provider_ref", "amount_minor", "currency"])
    .where("method", "=", "card")
    .where("provider_ref", "is not", null)
    .execute();
  return rows.map((r) => ({
    id: r.provider_ref ?? "",
    amount: Number(r.amount_minor),
    currency: r.currency,
  }));
}

/** The worker with the notifier and webhook deliveries; logs what goes wrong in a tick. */
function startWorker(
  deps: AppDeps,
  provider: OpenedCardProvider,
  notify: { config: NotifyConfig; mail: MailTransport },
  log: (error: unknown) => void,
  idleMs: number | undefined,
): Worker {
  const notifier = createNotifier({
    db: deps.db,
    clock: deps.clock,
    mail: notify.mail,
    config: notify.config,
  });
  const accountMailer = createAccountMailer({
    db: deps.db,
    clock: deps.clock,
    mail: notify.mail,
    config: notify.config,
  });
  return createWorker(deps, {
    // Demo mode: a card payment recorded after start (API, import, webhook) has its charge at the
    // in-process stand-in too (issue 11).
    cardProvider:
      provider.provider !== null && provider.standIn !== null
        ? withRecordedCharges(provider.provider, provider.standIn, deps.db)
        : provider.provider,
    handlers: [
      { prefix: "notify.", handle: (m) => notifier.handle(m) },
      { prefix: ACCOUNT_PREFIX, handle: (m) => accountMailer.handle(m) },
    ],
    webhooks: { db: deps.db },
    onError: log,
    ...(idleMs === undefined ? {} : { idleMs }),
  });
}

/** The process's pino logger (options, or the default), or null for silence. */
function serviceLogger(option: boolean | object | undefined): Logger | null {
  if (option === false) return null;
  return pino(option === undefined || option === true ? LOGGER_OPTIONS : option);
}

/** What serve and worker both open first: the policy, the mail transport, the migrated database. */
async function openBasics(
  policyFile: string | undefined,
  notify: NotifyConfig | undefined,
  database: OpenDatabaseOptions,
  logger: AppLogger,
): Promise<{
  deps: AppDeps;
  opened: OpenedDatabase;
  notifyConfig: NotifyConfig;
  mail: MailTransport;
}> {
  const loaded = loadPolicyFile(policyFile);
  if (!loaded.ok) {
    throw new RangeError(`policy file: ${loaded.error.path}: ${loaded.error.message}`);
  }
  const notifyConfig = notify ?? notifyConfigFromEnv();
  // Made once at start: nodemailer connects on the first send, so this costs nothing until the
  // worker sends, and a malformed SMTP_URL fails here.
  const mail = createMailTransport(notifyConfig);
  let opened: OpenedDatabase;
  try {
    opened = await openDatabase(database);
  } catch (e) {
    mail.close();
    throw e;
  }
  try {
    // Safe beside other processes: the migrator takes a lock and applies nothing when up to date.
    await migrateToLatest(opened.db);
  } catch (e) {
    mail.close();
    await opened.close();
    throw e;
  }
  const deps = createAppDeps({
    db: opened.db,
    dialect: opened.dialect,
    policy: loaded.value,
    clock: Date.now,
    dataDir: database.dataDir ?? process.env["DATA_DIR"] ?? "./data",
    logger,
  });
  return { deps, opened, notifyConfig, mail };
}

/** Opens, migrates, seeds (if asked and empty) and listens. */
export async function startService(opts: ServiceOptions): Promise<RunningService> {
  // One pino logger for the HTTP server and the use cases.
  const log = serviceLogger(opts.logger);
  const { deps, opened, notifyConfig, mail } = await openBasics(
    opts.policyFile,
    opts.notify,
    { ...opts.database, backgroundCheckpoints: true },
    log ?? SILENT_LOGGER,
  );
  try {
    // A fresh database gets the demo company; a demo database shows its sign-ins on every start.
    const demoAccounts = !opts.demo
      ? []
      : (await isEmpty(deps))
        ? await seedDemo(deps)
        : await demoAccountsIn(deps);
    const stripe = opts.stripe ?? stripeConfigFromEnv();
    const provider = await openStripeCardProvider(stripe, {
      // The stand-in posts its signed events to this server's own webhook route.
      ...(opts.port === 0
        ? {}
        : { webhookUrl: `http://${opts.host}:${opts.port}/api/v1/webhooks/stripe` }),
      ...(stripe.kind === "stand-in" ? { charges: await cardCharges(deps) } : {}),
    });
    let app: FastifyInstance;
    let url: string;
    try {
      app = await buildServer(deps, {
        routes: [
          ...ROUTES,
          ...(provider.webhookSecret === null
            ? []
            : [
                cardWebhookRoutes({
                  provider: "stripe",
                  signatureHeader: "stripe-signature",
                  verify: stripeWebhookVerifier(provider.webhookSecret),
                }),
              ]),
        ],
        authenticate: createAuthenticator(deps),
        secureCookies: opts.secureCookies,
        ...(opts.trustProxy === undefined ? {} : { trustProxy: opts.trustProxy }),
        webRoot: opts.webRoot === undefined ? findWebRoot() : opts.webRoot,
        ...(log === null ? { logger: false } : { loggerInstance: log }),
      });
      url = await app.listen({ port: opts.port, host: opts.host });
    } catch (e) {
      await provider.close();
      throw e;
    }
    const worker =
      opts.worker === false
        ? null
        : startWorker(
            deps,
            provider,
            { config: notifyConfig, mail },
            (error) => app.log.error({ err: error }, "worker tick failed"),
            opts.workerIdleMs,
          );
    return {
      app,
      url,
      dialect: opened.dialect,
      demoAccounts,
      notify: { config: notifyConfig, mail },
      cardProvider: provider.description,
      worker,
      standIn: provider.standIn,
      stop: async () => {
        await worker?.stop();
        await app.close();
        await provider.close();
        mail.close();
        await opened.close();
      },
    };
  } catch (e) {
    mail.close();
    await opened.close();
    throw e;
  }
}

export interface WorkerServiceOptions {
  readonly database: OpenDatabaseOptions;
  readonly policyFile?: string;
  readonly notify?: NotifyConfig;
  readonly stripe?: StripeConfig;
  readonly workerIdleMs?: number;
  readonly log?: (error: unknown) => void;
  /** Where the use cases log what they handle without failing; default: pino on stdout. */
  readonly logger?: AppLogger;
}

export interface RunningWorker {
  readonly worker: Worker;
  readonly dialect: string;
  readonly cardProvider: string;
  readonly mail: string;
  stop(): Promise<void>;
}

/** A worker alone (`refund-desk worker`): no HTTP, the same database, provider and notifier. */
export async function startWorkerService(opts: WorkerServiceOptions): Promise<RunningWorker> {
  const { deps, opened, notifyConfig, mail } = await openBasics(
    opts.policyFile,
    opts.notify,
    opts.database,
    opts.logger ?? pino(LOGGER_OPTIONS),
  );
  try {
    const stripe = opts.stripe ?? stripeConfigFromEnv();
    const provider = await openStripeCardProvider(
      stripe,
      stripe.kind === "stand-in" ? { charges: await cardCharges(deps) } : {},
    );
    const worker = startWorker(
      deps,
      provider,
      { config: notifyConfig, mail },
      opts.log ?? (() => {}),
      opts.workerIdleMs,
    );
    return {
      worker,
      dialect: opened.dialect,
      cardProvider: provider.description,
      mail: mail.description,
      stop: async () => {
        await worker.stop();
        await provider.close();
        mail.close();
        await opened.close();
      },
    };
  } catch (e) {
    mail.close();
    await opened.close();
    throw e;
  }
}
