// Starts the whole system: database (migrated), policy, HTTP server, and (unless WORKER=off) a
// worker in the same process that moves money and messages; on an empty database outside
// production, the demo company. Used by `refund-desk serve` and so by `npm start`.
// `startWorkerService` runs a worker alone (`refund-desk worker`), for scaling out.

import type { FastifyInstance } from "fastify";
import { pino, type Logger } from "pino";
import { createAuthenticator } from "../app/auth/index.js";
import { createAppDeps, SILENT_LOGGER, type AppDeps, type AppLogger } from "../app/context.js";
import { publishFirstVersion } from "../app/policy/store.js";
import { cardPaymentsWithChargeRef } from "../app/orders/repository.js";
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
import { createInboundAckMailer, INBOUND_ACK_TOPIC } from "../notify/inbound-ack-mailer.js";
import { createDisputeMailer, DISPUTE_PREFIX } from "../notify/dispute-mailer.js";
import { createWorker, type Worker } from "../worker/worker.js";
import { ServiceMetrics } from "../app/metrics/metrics.js";
import { metricsPortFromEnv, startMetricsServer, type MetricsServer } from "./metrics-server.js";
import { withRecordedCharges } from "./demo-charges.js";
import {
  inboundSettingsFromEnv,
  replyToFor,
  type InboundListen,
  type InboundSettings,
} from "../app/inbound/settings.js";
import { attachmentLimitsFromEnv } from "../app/attachments/storage.js";
import { startSmtpListener, type SmtpListener } from "../inbound/smtp-listener.js";
import { parseImapUrl, startImapPoll, type ImapPoll } from "../inbound/imap-poll.js";
import { demoAccountsIn, isEmpty, seedDemo, type DemoAccount } from "./demo-seed.js";
import {
  openAttachmentStorage,
  storageSettingsFromEnv,
  type OpenedAttachmentStorage,
  type StorageSettings,
} from "../storage/index.js";

export interface ServiceOptions {
  readonly port: number;
  readonly host: string;
  readonly database: OpenDatabaseOptions;
  /**
   * This server's own directory (DATA_DIR): e-mail copies in demo mode, `local` attachments, and
   * on SQLite the database. Default: the database's dataDir, else DATA_DIR, else ./data.
   */
  readonly dataDir?: string;
  /** Where attachments go (ATTACHMENT_STORAGE, S3_*); from the environment if absent. */
  readonly storage?: StorageSettings;
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
  /** METRICS_PORT: /metrics without a token on 127.0.0.1 at this port (0: any free port). */
  readonly metricsPort?: number;
  /** E-mail intake (INBOUND_*, issue 19); from the environment if absent. */
  readonly inbound?: InboundSettings & InboundListen;
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
  /** Where new attachments go, in words (ATTACHMENT_STORAGE). */
  readonly attachments: string;
  /** The in-process worker, or null with WORKER=off. */
  readonly worker: Worker | null;
  /** Demo mode: the in-process Stripe stand-in (null with a real key or no provider). */
  readonly standIn: StripeStandIn | null;
  /** Where METRICS_PORT serves /metrics, or null. */
  readonly metricsUrl: string | null;
  /** Where the inbound SMTP listener (INBOUND_SMTP_PORT) listens, `host:port`, or null. */
  readonly inboundSmtp: string | null;
  /** The IMAP host polled for support mail (INBOUND_IMAP_URL, no credentials), or null. */
  readonly inboundImap: string | null;
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
  sharedNothingCheck(env);
  return {
    port,
    host: env["HOST"]?.trim() || "127.0.0.1",
    database: url
      ? { databaseUrl: url, ...(schema === undefined ? {} : { schema }) }
      : { dataDir: env["DATA_DIR"]?.trim() || "./data" },
    ...(env["DATA_DIR"]?.trim() ? { dataDir: env["DATA_DIR"].trim() } : {}),
    storage: storageSettingsFromEnv(env),
    policyFile: env["POLICY_FILE"]?.trim() || undefined,
    demo: env["NODE_ENV"] !== "production" && env["DEMO"] !== "0",
    secureCookies: env["SECURE_COOKIES"] === "1",
    notify: notifyConfigFromEnv(env),
    worker: workerEnabled(env),
    stripe: stripeConfigFromEnv(env),
    trustProxy: parseTrustProxy(env["TRUST_PROXY"]),
    metricsPort: metricsPortFromEnv(env),
    inbound: inboundSettingsFromEnv(env, attachmentLimitsFromEnv(env)),
  };
}

/**
 * In production on PostgreSQL, servers share nothing but the database (issue 21, ADR 0031): a
 * setting that would keep something a server needs on its own disk is refused at start. E-mail
 * goes to SMTP (.eml files under DATA_DIR/mail are for demo and development) and attachments to
 * the database or S3 (`local` files would be on one machine only).
 */
export function sharedNothingCheck(env: NodeJS.ProcessEnv): void {
  if (env["NODE_ENV"] !== "production" || !env["DATABASE_URL"]?.trim()) return;
  if (!env["SMTP_URL"]?.trim()) {
    throw new RangeError(
      "SMTP_URL is required with DATABASE_URL under NODE_ENV=production: e-mail written as files " +
        "under DATA_DIR/mail would stay on one server (files are for demo and development only)",
    );
  }
  if (env["ATTACHMENT_STORAGE"]?.trim() === "local") {
    throw new RangeError(
      "ATTACHMENT_STORAGE=local keeps files on one server's disk: with DATABASE_URL under " +
        "NODE_ENV=production use database or s3 (`refund-desk attachments move` moves old files)",
    );
  }
}

function workerEnabled(env: NodeJS.ProcessEnv): boolean {
  const v = env["WORKER"]?.trim().toLowerCase();
  if (v === undefined || v === "" || v === "on" || v === "1") return true;
  if (v === "off" || v === "0") return false;
  throw new RangeError(`WORKER must be "on" or "off", got "${env["WORKER"]}"`);
}

/** The card payments a demo stand-in must know (it keeps its charges in memory). */
async function cardCharges(deps: AppDeps) {
  const rows = await cardPaymentsWithChargeRef(deps.db);
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
  inbound: InboundSettings,
): Worker {
  const notifier = createNotifier({
    db: deps.db,
    // Client e-mails about a request carry its reply address (issue 19).
    replyTo: replyToFor(inbound),
    clock: deps.clock,
    mail: notify.mail,
    config: notify.config,
    // A denial quotes its clauses in the words of the version the request is judged under, and
    // the appeal window in force.
    policy: async (request) => ({
      clauses: (await deps.policies.forRequest(request)).policy.clauses,
      workflow: (await deps.policies.current()).workflow,
    }),
  });
  const accountMailer = createAccountMailer({
    db: deps.db,
    clock: deps.clock,
    mail: notify.mail,
    config: notify.config,
  });
  const inboundAck = createInboundAckMailer({
    db: deps.db,
    clock: deps.clock,
    mail: notify.mail,
    config: notify.config,
  });
  const disputeMailer = createDisputeMailer({
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
      { prefix: INBOUND_ACK_TOPIC, handle: (m) => inboundAck.handle(m) },
      { prefix: DISPUTE_PREFIX, handle: (m) => disputeMailer.handle(m) },
    ],
    webhooks: { db: deps.db },
    inbound,
    onError: log,
    ...(idleMs === undefined ? {} : { idleMs }),
  });
}

/** The process's pino logger (options, or the default), or null for silence. */
function serviceLogger(option: boolean | object | undefined): Logger | null {
  if (option === false) return null;
  return pino(option === undefined || option === true ? LOGGER_OPTIONS : option);
}

/**
 * What serve and worker both open first: the policy, the mail transport, the migrated database,
 * the attachment stores.
 */
async function openBasics(
  policyFile: string | undefined,
  notify: NotifyConfig | undefined,
  database: OpenDatabaseOptions,
  logger: AppLogger,
  files: { readonly dataDir?: string | undefined; readonly storage?: StorageSettings | undefined },
): Promise<{
  deps: AppDeps;
  opened: OpenedDatabase;
  notifyConfig: NotifyConfig;
  mail: MailTransport;
  storage: OpenedAttachmentStorage;
}> {
  const loaded = loadPolicyFile(policyFile);
  if (!loaded.ok) {
    throw new RangeError(`policy file: ${loaded.error.path}: ${loaded.error.message}`);
  }
  const notifyConfig = notify ?? notifyConfigFromEnv();
  const storageSettings = files.storage ?? storageSettingsFromEnv(process.env);
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
    // An empty database takes the policy file as its first version (ADR 0025); afterwards the
    // database's versions decide and the file is only an input to `policy publish`.
    await publishFirstVersion(opened.db, loaded.value, Date.now());
  } catch (e) {
    mail.close();
    await opened.close();
    throw e;
  }
  const dataDir = files.dataDir ?? database.dataDir ?? process.env["DATA_DIR"] ?? "./data";
  const storage = openAttachmentStorage(storageSettings, { db: opened.db, dataDir });
  const deps = createAppDeps({
    db: opened.db,
    dialect: opened.dialect,
    policy: loaded.value,
    clock: Date.now,
    dataDir,
    attachments: storage,
    logger,
    metrics: new ServiceMetrics(),
  });
  return { deps, opened, notifyConfig, mail, storage };
}

/** Opens, migrates, seeds (if asked and empty) and listens. */
export async function startService(opts: ServiceOptions): Promise<RunningService> {
  // One pino logger for the HTTP server and the use cases.
  const log = serviceLogger(opts.logger);
  const { deps, opened, notifyConfig, mail, storage } = await openBasics(
    opts.policyFile,
    opts.notify,
    { ...opts.database, backgroundCheckpoints: true },
    log ?? SILENT_LOGGER,
    { dataDir: opts.dataDir, storage: opts.storage },
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
    deps.disputes.provider = provider.disputes;
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
    const inbound =
      opts.inbound ?? inboundSettingsFromEnv(process.env, attachmentLimitsFromEnv(process.env));
    let metricsServer: MetricsServer | null = null;
    let smtp: SmtpListener | null = null;
    let imap: ImapPoll | null = null;
    try {
      if (opts.metricsPort !== undefined) {
        metricsServer = await startMetricsServer(deps, opts.metricsPort);
      }
      if (inbound.smtpPort !== null) {
        smtp = await startSmtpListener(deps, {
          port: inbound.smtpPort,
          host: inbound.smtpHost,
          maxBytes: inbound.maxBytes,
        });
      }
      if (inbound.imapUrl !== null) {
        imap = startImapPoll(deps, {
          source: parseImapUrl(inbound.imapUrl),
          maxBytes: inbound.maxBytes,
          intervalMs: inbound.imapIntervalMs,
        });
      }
    } catch (e) {
      await smtp?.close();
      await metricsServer?.close();
      await app.close();
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
            inbound,
          );
    return {
      app,
      url,
      dialect: opened.dialect,
      demoAccounts,
      notify: { config: notifyConfig, mail },
      cardProvider: provider.description,
      attachments: storage.description,
      worker,
      standIn: provider.standIn,
      metricsUrl: metricsServer?.url ?? null,
      inboundSmtp: smtp?.address ?? null,
      inboundImap: imap === null ? null : `${parseImapUrl(inbound.imapUrl ?? "").host}`,
      stop: async () => {
        // Clean shutdown: the listener stops taking connections and in-flight requests finish
        // (a connection still busy after the drain time is cut), while the worker finishes or
        // gives up its step; then the provider, the mail transport, the logs and the database.
        const drain = setTimeout(() => app.server.closeAllConnections(), DRAIN_MS);
        try {
          await Promise.all([
            worker?.stop(WORKER_GRACE_MS),
            app.close(),
            metricsServer?.close(),
            smtp?.close(),
            imap?.stop(),
          ]);
        } finally {
          clearTimeout(drain);
        }
        await provider.close();
        mail.close();
        storage.close();
        log?.flush();
        await opened.close();
      },
    };
  } catch (e) {
    mail.close();
    storage.close();
    await opened.close();
    throw e;
  }
}

/** How long in-flight HTTP requests may take to finish on shutdown before their connections are cut. */
export const DRAIN_MS = 8_000;
/** How long a stopping worker waits for a provider's answer before recording the payout unknown. */
export const WORKER_GRACE_MS = 7_000;

export interface WorkerServiceOptions {
  readonly database: OpenDatabaseOptions;
  /** As for the server: this worker's own directory (DATA_DIR) and attachment storage. */
  readonly dataDir?: string;
  readonly storage?: StorageSettings;
  readonly policyFile?: string;
  readonly notify?: NotifyConfig;
  readonly stripe?: StripeConfig;
  readonly workerIdleMs?: number;
  readonly log?: (error: unknown) => void;
  /** Where the use cases log what they handle without failing; default: pino on stdout. */
  readonly logger?: AppLogger;
  /** METRICS_PORT: /metrics on 127.0.0.1 at this port (a worker has no other HTTP). */
  readonly metricsPort?: number;
  /** E-mail intake settings (the worker processes stored messages); from the environment if absent. */
  readonly inbound?: InboundSettings;
}

export interface RunningWorker {
  readonly worker: Worker;
  readonly dialect: string;
  readonly cardProvider: string;
  readonly mail: string;
  /** Where METRICS_PORT serves /metrics, or null. */
  readonly metricsUrl: string | null;
  stop(): Promise<void>;
}

/** A worker alone (`refund-desk worker`): no HTTP, the same database, provider and notifier. */
export async function startWorkerService(opts: WorkerServiceOptions): Promise<RunningWorker> {
  const { deps, opened, notifyConfig, mail, storage } = await openBasics(
    opts.policyFile,
    opts.notify,
    opts.database,
    opts.logger ?? pino(LOGGER_OPTIONS),
    { dataDir: opts.dataDir, storage: opts.storage },
  );
  try {
    const stripe = opts.stripe ?? stripeConfigFromEnv();
    const provider = await openStripeCardProvider(
      stripe,
      stripe.kind === "stand-in" ? { charges: await cardCharges(deps) } : {},
    );
    let metricsServer: MetricsServer | null = null;
    try {
      if (opts.metricsPort !== undefined) {
        metricsServer = await startMetricsServer(deps, opts.metricsPort);
      }
    } catch (e) {
      await provider.close();
      throw e;
    }
    const worker = startWorker(
      deps,
      provider,
      { config: notifyConfig, mail },
      opts.log ?? (() => {}),
      opts.workerIdleMs,
      opts.inbound ?? inboundSettingsFromEnv(process.env, attachmentLimitsFromEnv(process.env)),
    );
    return {
      worker,
      dialect: opened.dialect,
      cardProvider: provider.description,
      mail: mail.description,
      metricsUrl: metricsServer?.url ?? null,
      stop: async () => {
        await Promise.all([worker.stop(WORKER_GRACE_MS), metricsServer?.close()]);
        await provider.close();
        mail.close();
        storage.close();
        await opened.close();
      },
    };
  } catch (e) {
    mail.close();
    storage.close();
    await opened.close();
    throw e;
  }
}
