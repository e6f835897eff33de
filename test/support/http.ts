// A test server on a fresh database. Callers are chosen per request with the `x-test-actor` header
// (`client:<clientId>:<userId>`, `qa:<userId>`, `finance:<userId>`, `admin:<userId>`,
// `token:<tokenId>:<scope,scope>`), so route suites do not depend on sign-in; the auth suites and
// the access matrix use the real authenticator instead.

import type { FastifyInstance } from "fastify";
import { createAppDeps, type AppDeps } from "../../src/app/context.js";
import type { Actor } from "../../src/core/access/index.js";
import type { Policy } from "../../src/core/policy/index.js";
import { loadPolicyFile } from "../../src/policy-file/load.js";
import { publishFirstVersion } from "../../src/app/policy/store.js";
import type { Authenticator } from "../../src/app/auth/auth-info.js";
import { buildServer, type RoutePlugin, type ServerOptions } from "../../src/http/server.js";
import { ROUTES } from "../../src/http/routes/index.js";
import { contractChecker, type ContractChecker } from "./contract.js";
import { freshDatabase, type TestDatabase } from "./database.js";
import { manualClock, recordingLogger, type LogEntry } from "./logger.js";
import { openAttachmentStorage, type StorageSettings } from "../../src/storage/index.js";

/** Parses an `x-test-actor` header value. */
export function actorFromHeader(value: string | undefined): Actor {
  if (value === undefined) return { role: "anonymous" };
  const [role = "", a = "", b = ""] = value.split(":");
  switch (role) {
    case "client":
      return { role: "client", clientId: a, userId: b };
    case "qa":
    case "finance":
    case "admin":
      return { role, userId: a };
    case "token":
      // Scopes contain colons (`orders:write`): everything after the token id is the scope list.
      return {
        role: "api_token",
        tokenId: a,
        scopes: value.split(":").slice(2).join(":").split(",").filter(Boolean),
      };
    default:
      return { role: "anonymous" };
  }
}

export interface TestServer {
  readonly app: FastifyInstance;
  readonly deps: AppDeps;
  /** The first policy version (published from `opts.policy` or the shipped file at start). */
  readonly policy: Policy;
  readonly db: TestDatabase;
  /** Sets the clock (epoch ms) the use cases see. */
  setNow(ms: number): void;
  /** Responses that did not match the OpenAPI document so far (close() fails on any). */
  readonly contractViolations: readonly string[];
  /** Moves the caches' own clock (session cache lifetimes) forward; it never moves by itself. */
  advanceCacheClock(ms: number): void;
  /** What the use cases logged (errors they handled without failing the call). */
  readonly logs: LogEntry[];
  close(): Promise<void>;
}

/** Builds the API on a fresh, migrated database with the header-chosen test caller. */
export async function testServer(
  opts: {
    routes?: readonly RoutePlugin[];
    authenticate?: Authenticator;
    /** Builds the authenticator from the server's deps (e.g. `createAuthenticator`). */
    authenticator?: (deps: AppDeps) => Authenticator;
    secureCookies?: boolean;
    now?: number;
    /** Where the app keeps files (attachments); default: the database's data dir or the OS tmp. */
    dataDir?: string;
    /** Where attachments go; default: local files under `dataDir`. */
    storage?: StorageSettings;
    /** The policy in force; default: the shipped policy file. */
    policy?: Policy;
    /** Which proxies' X-Forwarded-For to believe (TRUST_PROXY, parsed); default: none. */
    trustProxy?: ServerOptions["trustProxy"];
  } = {},
): Promise<TestServer> {
  const db = await freshDatabase();
  const loaded = loadPolicyFile();
  if (!loaded.ok) throw new Error(loaded.error.message);
  let now = opts.now ?? Date.parse("2026-03-02T09:00:00Z");
  const logger = recordingLogger();
  const cacheClock = manualClock();
  const policy = opts.policy ?? loaded.value;
  const dataDir = opts.dataDir ?? db.options.dataDir ?? (await import("node:os")).tmpdir();
  const storage = openAttachmentStorage(
    opts.storage ?? { kind: "local", s3: null, presignDownloads: false },
    { db: db.db, dataDir },
  );
  const deps = createAppDeps({
    db: db.db,
    dialect: db.dialect,
    policy,
    clock: () => now,
    dataDir,
    attachments: storage,
    logger,
    cacheClock: cacheClock.now,
  });
  // As the service does at start: the policy is the database's first version.
  await publishFirstVersion(db.db, policy, now);
  const app = await buildServer(deps, {
    logger: false,
    routes: opts.routes ?? ROUTES,
    secureCookies: opts.secureCookies ?? false,
    ...(opts.trustProxy === undefined ? {} : { trustProxy: opts.trustProxy }),
    authenticate:
      opts.authenticate ??
      opts.authenticator?.(deps) ??
      (async ({ headers }) => ({
        actor: actorFromHeader(
          typeof headers["x-test-actor"] === "string" ? headers["x-test-actor"] : undefined,
        ),
        auth: { via: "token", csrfToken: null, sessionId: null },
      })),
  });
  // The contract check: every response of a documented operation must be one the document
  // describes for its status (test/support/contract.ts).
  const violations: string[] = [];
  let checker: ContractChecker | null = null;
  app.addHook("onSend", (request, reply, payload, done) => {
    const route = request.routeOptions.url;
    if (route !== undefined) {
      checker ??= contractChecker(app.swagger() as unknown as Record<string, unknown>);
      const type = reply.getHeader("content-type");
      const problem = checker.check({
        method: request.method,
        route,
        status: reply.statusCode,
        contentType: typeof type === "string" ? type : undefined,
        body:
          typeof payload === "string"
            ? payload
            : Buffer.isBuffer(payload)
              ? payload.toString("utf8")
              : payload === null || payload === undefined
                ? ""
                : null,
      });
      if (problem !== null) violations.push(problem);
    }
    done(null, payload);
  });
  await app.ready();
  return {
    app,
    deps,
    policy,
    db,
    setNow: (ms) => {
      now = ms;
    },
    contractViolations: violations,
    advanceCacheClock: cacheClock.advance,
    logs: logger.entries,
    close: async () => {
      await app.close();
      storage.close();
      await db.close();
      if (violations.length > 0) {
        throw new Error(
          `responses that do not match the OpenAPI document:\n${[...new Set(violations)].join("\n")}`,
        );
      }
    },
  };
}
