// Starts the whole system: database (migrated), policy, HTTP server; on an empty database outside
// production, the demo company. Used by `refund-desk serve` and so by `npm start`.

import type { FastifyInstance } from "fastify";
import { createAuthenticator } from "../app/auth/index.js";
import type { AppDeps } from "../app/context.js";
import { openDatabase, type OpenDatabaseOptions, type OpenedDatabase } from "../db/connection.js";
import { migrateToLatest } from "../db/migrations/index.js";
import { ROUTES } from "../http/routes/index.js";
import { buildServer } from "../http/server.js";
import { loadPolicyFile } from "../policy-file/load.js";
import { isEmpty, seedDemo, type DemoAccount } from "./demo-seed.js";

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
}

export interface RunningService {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly dialect: string;
  readonly demoAccounts: DemoAccount[];
  stop(): Promise<void>;
}

/** Reads the service's settings from the environment (PORT, HOST, DATA_DIR, DATABASE_URL, ...). */
export function serviceOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceOptions {
  const port = Number(env["PORT"] ?? "3000");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`PORT must be a port number, got "${env["PORT"]}"`);
  }
  const url = env["DATABASE_URL"]?.trim();
  return {
    port,
    host: env["HOST"]?.trim() || "127.0.0.1",
    database: url ? { databaseUrl: url } : { dataDir: env["DATA_DIR"]?.trim() || "./data" },
    policyFile: env["POLICY_FILE"]?.trim() || undefined,
    demo: env["NODE_ENV"] !== "production" && env["DEMO"] !== "0",
    secureCookies: env["SECURE_COOKIES"] === "1",
  };
}

/** Opens, migrates, seeds (if asked and empty) and listens. */
export async function startService(opts: ServiceOptions): Promise<RunningService> {
  const loaded = loadPolicyFile(opts.policyFile);
  if (!loaded.ok) {
    throw new RangeError(`policy file: ${loaded.error.path}: ${loaded.error.message}`);
  }
  const opened: OpenedDatabase = await openDatabase({
    ...opts.database,
    backgroundCheckpoints: true,
  });
  try {
    await migrateToLatest(opened.db);
    const deps: AppDeps = {
      db: opened.db,
      dialect: opened.dialect,
      policy: loaded.value,
      clock: Date.now,
      dataDir: opts.database.dataDir ?? process.env["DATA_DIR"] ?? "./data",
    };
    const demoAccounts = opts.demo && (await isEmpty(deps)) ? await seedDemo(deps) : [];
    const app = await buildServer(deps, {
      routes: ROUTES,
      authenticate: createAuthenticator(deps),
      secureCookies: opts.secureCookies,
      ...(opts.logger === undefined ? {} : { logger: opts.logger }),
    });
    const url = await app.listen({ port: opts.port, host: opts.host });
    return {
      app,
      url,
      dialect: opened.dialect,
      demoAccounts,
      stop: async () => {
        await app.close();
        await opened.close();
      },
    };
  } catch (e) {
    await opened.close();
    throw e;
  }
}
