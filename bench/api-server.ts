// The server half of `npm run bench:api`. bench/api.ts starts this file as a child process, so the
// load generator (autocannon) does not share the server's event loop, and drives it over HTTP.
//
// It prepares the database the parent chose (a fresh SQLite DATA_DIR, or a fresh PostgreSQL
// schema), starts the real service (src/service/start.ts, logger off, no demo), seeds what the
// benchmark needs, and prints ONE JSON line on stdout (`ServerReady`). It also listens with a bare
// Fastify instance (one route, nothing else) on another port in the same process: the ceiling.
//
// Seeding (before the service opens its own connection):
// - a client, its user (argon2id, through the auth use cases) and an admin;
// - the template order BENCH-READ with a card payment, through createOrder / recordPayment (so
//   its rows are exactly what the application writes); then BENCH_ORDERS copies of it and its
//   payment, bulk-inserted in batches, because every POST /requests of the write run needs an
//   order of its own (a second open request on one order and reason is refused with 409);
// After listening: the client signs in with POST /api/v1/session (a real session cookie and CSRF
// token) and opens one request on BENCH-READ with POST /api/v1/requests: the read run's target.
//
// Then it waits for commands, one JSON line each on stdin (answers are JSON lines on stdout):
//   {"cmd":"mark"}                   -> {"type":"mark", CPU, event-loop use and delay since the last}
//   {"cmd":"profile-start"}          -> starts the V8 CPU profiler (node:inspector)
//   {"cmd":"profile-stop","file":F}  -> writes the profile to F (.cpuprofile, for DevTools)
//   {"cmd":"stop"}                   -> closes everything and exits
// and exits as well when stdin ends (the parent is gone). The parent owns the temporary directory
// and the schema, and removes them; this process only uses them.
//
// Environment (set by bench/api.ts): BENCH_DATA_DIR (always: SQLite file and attachments),
// BENCH_DATABASE_URL and BENCH_PG_SCHEMA (PostgreSQL), BENCH_ORDERS.

import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import Fastify from "fastify";
import { sql } from "kysely";
import { createClient, createUser } from "../src/app/auth/index.js";
import { createAppDeps, type ActionContext } from "../src/app/context.js";
import { createOrder } from "../src/app/orders/create-order.js";
import { recordPayment } from "../src/app/orders/record-payment.js";
import { openDatabase, type OpenDatabaseOptions } from "../src/db/connection.js";
import { migrateToLatest } from "../src/db/migrations/index.js";
import type { NewOrder, NewPayment } from "../src/db/schema.js";
import { loadPolicyFile } from "../src/policy-file/load.js";
import { startService } from "../src/service/start.js";
import { localAttachmentStorage } from "../src/storage/index.js";

/** The one line this process prints when it is ready to be measured. */
export interface ServerReady {
  readonly type: "ready";
  readonly dialect: string;
  /** The service, e.g. http://127.0.0.1:41234 */
  readonly apiUrl: string;
  /** The bare Fastify instance's one route (same process), e.g. http://127.0.0.1:41235/bare */
  readonly bareUrl: string;
  /** `rd_session=<token>`, as the Cookie header. */
  readonly cookie: string;
  readonly csrfToken: string;
  /** The request the read run reads (the signed-in client's own). */
  readonly requestId: string;
  /** Order ids for the write run: `${orderPrefix}${i}` for i in [0, orderCount). */
  readonly orderPrefix: string;
  readonly orderCount: number;
  readonly reason: string;
  readonly seedSeconds: number;
}

const BARE_PATH = "/bare";
const ORDER_PREFIX = "BENCH-";
/** Why every bench request is filed: the template order was never started. */
const BENCH_REASON = "not_delivered";

const TEMPLATE_ORDER = "BENCH-READ";
const CLIENT_EMAIL = "client@bench.example";
const ADMIN_EMAIL = "admin@bench.example";
const PASSWORD = "bench-password-2026";
const DAY = 86_400_000;
/** Rows per INSERT: 18 order columns x 1000 stays below both databases' parameter limits. */
const BATCH = 1000;
/** Rows per transaction while bulk loading. */
const ROWS_PER_TRANSACTION = 20_000;

function env(name: string): string | undefined {
  const v = process.env[name]?.trim();
  return v === undefined || v === "" ? undefined : v;
}

function send(message: object): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

function databaseOptions(): OpenDatabaseOptions {
  const dataDir = env("BENCH_DATA_DIR");
  if (dataDir === undefined) throw new Error("BENCH_DATA_DIR is required");
  const url = env("BENCH_DATABASE_URL");
  if (url === undefined) return { dataDir };
  const schema = env("BENCH_PG_SCHEMA");
  if (schema === undefined) throw new Error("BENCH_PG_SCHEMA is required with BENCH_DATABASE_URL");
  return { databaseUrl: url, schema, dataDir };
}

/** Migrates, then creates the accounts, the template order and its `orderCount` copies. */
async function seed(database: OpenDatabaseOptions, orderCount: number): Promise<void> {
  const loaded = loadPolicyFile();
  if (!loaded.ok) throw new Error(`policy file: ${loaded.error.message}`);
  const opened = await openDatabase(database);
  try {
    await migrateToLatest(opened.db);
    const deps = createAppDeps({
      db: opened.db,
      dialect: opened.dialect,
      policy: loaded.value,
      clock: Date.now,
      dataDir: database.dataDir ?? "./data",
      attachments: localAttachmentStorage(opened.db, database.dataDir ?? "./data"),
    });
    const client = await createClient(deps, "system", {
      name: "Bench Client",
      email: "it@bench.example",
    });
    await createUser(deps, "system", {
      email: CLIENT_EMAIL,
      name: "Bench client user",
      role: "client",
      clientId: client.id,
      password: PASSWORD,
    });
    const admin = await createUser(deps, "system", {
      email: ADMIN_EMAIL,
      name: "Bench admin",
      role: "admin",
      clientId: null,
      password: PASSWORD,
    });
    const ctx: ActionContext = { actor: { role: "admin", userId: admin.id }, ip: null };

    // Never started; the promised start passed a week ago: the engine recommends a full refund.
    const now = Date.now();
    const placed = now - 20 * DAY;
    const iso = (ms: number) => new Date(ms).toISOString();
    await createOrder(deps, ctx, {
      id: TEMPLATE_ORDER,
      clientId: client.id,
      service: { name: "External penetration test", category: "audit", billing: "one_off" },
      price: { amount: "4800.00", currency: "USD" },
      placedAt: iso(placed),
      promisedStartBy: iso(placed + 7 * DAY),
      promisedDeliveryBy: iso(placed + 21 * DAY),
      startedAt: null,
      deliveredAt: null,
    });
    await recordPayment(deps, ctx, {
      id: `${TEMPLATE_ORDER}-PAY-1`,
      orderId: TEMPLATE_ORDER,
      chargeRef: TEMPLATE_ORDER,
      amount: { amount: "4800.00", currency: "USD" },
      method: "card",
      capturedAt: iso(placed + 60_000),
    });

    const order = await opened.db
      .selectFrom("orders")
      .selectAll()
      .where("id", "=", TEMPLATE_ORDER)
      .executeTakeFirstOrThrow();
    const payment = await opened.db
      .selectFrom("payments")
      .selectAll()
      .where("order_id", "=", TEMPLATE_ORDER)
      .executeTakeFirstOrThrow();

    // Copies of the template, straight into the tables: the application has no bulk path, and
    // 150k orders through the use cases would take longer than the benchmark itself.
    for (let start = 0; start < orderCount; start += ROWS_PER_TRANSACTION) {
      const end = Math.min(orderCount, start + ROWS_PER_TRANSACTION);
      await opened.db.transaction().execute(async (trx) => {
        for (let from = start; from < end; from += BATCH) {
          const orders: NewOrder[] = [];
          const payments: NewPayment[] = [];
          for (let i = from; i < Math.min(end, from + BATCH); i++) {
            const id = `${ORDER_PREFIX}${i}`;
            orders.push({ ...order, id });
            payments.push({
              ...payment,
              id: `${id}-PAY-1`,
              order_id: id,
              charge_ref: id,
              provider_ref: null,
            });
          }
          await trx.insertInto("orders").values(orders).execute();
          await trx.insertInto("payments").values(payments).execute();
        }
      });
    }
    if (opened.dialect === "postgres") {
      // A bulk load leaves the planner without statistics until autovacuum comes round.
      await sql`analyze`.execute(opened.db);
    }
  } finally {
    await opened.close();
  }
}

async function signIn(apiUrl: string): Promise<{ cookie: string; csrfToken: string }> {
  const res = await fetch(`${apiUrl}/api/v1/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: CLIENT_EMAIL, password: PASSWORD }),
  });
  const body = (await res.json()) as { csrfToken?: unknown };
  const setCookie = res.headers.getSetCookie().find((c) => c.startsWith("rd_session="));
  if (res.status !== 200 || setCookie === undefined || typeof body.csrfToken !== "string") {
    throw new Error(`sign-in failed: ${res.status} ${JSON.stringify(body)}`);
  }
  return { cookie: setCookie.split(";")[0] ?? "", csrfToken: body.csrfToken };
}

async function openRequest(
  apiUrl: string,
  auth: { cookie: string; csrfToken: string },
): Promise<string> {
  const res = await fetch(`${apiUrl}/api/v1/requests`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      cookie: auth.cookie,
      "x-csrf-token": auth.csrfToken,
    },
    body: JSON.stringify({
      orderId: TEMPLATE_ORDER,
      reason: BENCH_REASON,
      description: "The penetration test never started.",
    }),
  });
  const body = (await res.json()) as { id?: unknown };
  if (res.status !== 201 || typeof body.id !== "string") {
    throw new Error(`opening the read target failed: ${res.status} ${JSON.stringify(body)}`);
  }
  // The read run must see a 200 as the client, or it would measure 404s.
  const check = await fetch(`${apiUrl}/api/v1/requests/${encodeURIComponent(body.id)}`, {
    headers: { cookie: auth.cookie },
  });
  if (check.status !== 200) throw new Error(`reading the read target failed: ${check.status}`);
  return body.id;
}

async function main(): Promise<void> {
  const orderCount = Number(env("BENCH_ORDERS") ?? "150000");
  if (!Number.isSafeInteger(orderCount) || orderCount < 0) {
    throw new Error(`BENCH_ORDERS must be a non-negative integer`);
  }
  const database = databaseOptions();
  const seedStarted = performance.now();
  await seed(database, orderCount);
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  const service = await startService({
    port: 0,
    host: "127.0.0.1",
    database,
    demo: false,
    secureCookies: false,
    logger: false,
  });
  const bare = Fastify({ logger: false });
  bare.get(BARE_PATH, async () => ({ hello: "world" }));
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await Promise.allSettled([service.stop(), bare.close()]);
    process.exit(code);
  };
  process.on("SIGTERM", () => void stop(0));
  process.on("SIGINT", () => void stop(0));

  const bareUrl = `${await bare.listen({ port: 0, host: "127.0.0.1" })}${BARE_PATH}`;
  const apiUrl = service.url;
  const auth = await signIn(apiUrl);
  const requestId = await openRequest(apiUrl, auth);

  const inspector = new Session();
  inspector.connect();
  const post = <T>(method: string, params?: object) =>
    new Promise<T>((resolve, reject) =>
      inspector.post(method, params, (err, result) => (err ? reject(err) : resolve(result as T))),
    );
  // How long the event loop was held up at a time (a synchronous fsync or checkpoint shows here).
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  let lastCpu = process.cpuUsage();
  let lastElu = performance.eventLoopUtilization();
  let lastAt = performance.now();

  const ready: ServerReady = {
    type: "ready",
    dialect: service.dialect,
    apiUrl,
    bareUrl,
    cookie: auth.cookie,
    csrfToken: auth.csrfToken,
    requestId,
    orderPrefix: ORDER_PREFIX,
    orderCount,
    reason: BENCH_REASON,
    seedSeconds: Math.round(seedSeconds * 10) / 10,
  };
  send(ready);

  const lines = createInterface({ input: process.stdin });
  lines.on("close", () => void stop(0)); // the parent is gone
  for await (const line of lines) {
    const command = JSON.parse(line) as { cmd: string; file?: string };
    try {
      if (command.cmd === "mark") {
        const cpu = process.cpuUsage(lastCpu);
        const elu = performance.eventLoopUtilization(lastElu);
        const at = performance.now();
        send({
          type: "mark",
          elapsedMs: at - lastAt,
          cpuMs: (cpu.user + cpu.system) / 1000,
          eventLoopUtilization: elu.utilization,
          loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
          loopDelayMaxMs: loopDelay.max / 1e6,
        });
        loopDelay.reset();
        lastCpu = process.cpuUsage();
        lastElu = performance.eventLoopUtilization();
        lastAt = at;
      } else if (command.cmd === "profile-start") {
        await post("Profiler.enable");
        await post("Profiler.start");
        send({ type: "profile-started" });
      } else if (command.cmd === "profile-stop") {
        const { profile } = await post<{ profile: object }>("Profiler.stop");
        if (command.file !== undefined) writeFileSync(command.file, JSON.stringify(profile));
        send({ type: "profile-stopped", file: command.file });
      } else if (command.cmd === "stop") {
        await stop(0);
      } else {
        send({ type: "error", message: `unknown command ${command.cmd}` });
      }
    } catch (err) {
      send({ type: "error", message: String(err) });
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench api-server: ${err instanceof Error ? (err.stack ?? "") : String(err)}\n`,
  );
  process.exit(1);
});
