// /api/v1/policy/simulations (issue 16): an admin queues a simulation of a candidate policy (YAML
// text or its JSON document), audited; a bad candidate is refused naming the field's path below
// body.policy, an unknown parameter too; a worker runs it and stores the report, which equals the
// use case's own answer; the list pages newest first; a run whose worker stopped is taken over
// once its lease expires. SQLite, and PostgreSQL with DATABASE_URL.

import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  apiCalls,
  expectProblem,
  newClient,
  newStaff,
  type ApiCalls,
} from "../../../test/support/api-world.js";
import { testServer, type TestServer } from "../../../test/support/http.js";
import { claimNextSimulation } from "../../app/simulations/run-simulation.js";
import { simulatePolicy } from "../../app/simulations/simulate-policy.js";
import { parsePolicy } from "../../core/policy/index.js";
import { DEFAULT_POLICY_PATH } from "../../policy-file/load.js";
import { createWorker } from "../../worker/worker.js";

const WRITER = "token:tok_w:orders:write,orders:read,payments:write";
const START = Date.parse("2026-03-02T09:00:00Z");
const shippedText = readFileSync(DEFAULT_POLICY_PATH, "utf8");
const strictText = shippedText
  .replace(/^version: .*$/m, "version: 2026-strict")
  .replace(/requestWindowDays: 7/, "requestWindowDays: 2");

let t: TestServer;
let call: ApiCalls;
let admin: string;
let qa: string;

beforeAll(async () => {
  t = await testServer({ now: START });
  call = apiCalls(t);
  const staff = await newStaff(t, ["admin", "qa"]);
  [admin, qa] = staff.actors as [string, string];
  const client = await newClient(t);
  for (let i = 0; i < 4; i++) {
    const id = `ORD-${i}`;
    t.setNow(START + i * 3_600_000);
    const o = await call.post("/orders", WRITER, {
      id,
      clientId: client.clientId,
      service: { name: "Quarterly audit", category: "audit", billing: "one_off" },
      price: { amount: "1200.00", currency: "USD" },
      placedAt: "2026-02-01T09:00:00Z",
      promisedStartBy: "2026-02-05T09:00:00Z",
      promisedDeliveryBy: "2026-02-20T09:00:00Z",
      startedAt: "2026-02-03T09:00:00Z",
      deliveredAt: i === 0 ? null : "2026-02-26T09:00:00Z",
      subscription: null,
    });
    expect(o.statusCode, o.body).toBe(201);
    const r = await call.post("/requests", client.actor, {
      orderId: id,
      reason: "mismatch",
      description: "The audit did not cover what was agreed.",
    });
    expect(r.statusCode, r.body).toBe(201);
  }
  t.setNow(START + 86_400_000);
});
afterAll(() => t?.close());

describe("queueing a simulation", () => {
  it("takes the policy file's text, answers 202 queued with its location, and is audited", async () => {
    const res = await call.post("/policy/simulations", admin, {
      policy: strictText,
      from: "2026-03-01",
      to: "2026-03-31",
    });
    expect(res.statusCode, res.body).toBe(202);
    const sim = res.json<{ id: string; status: string; candidateVersion: string; report: null }>();
    expect(sim).toMatchObject({
      status: "queued",
      candidateVersion: "2026-strict",
      period: { from: "2026-03-01", to: "2026-03-31" },
      progress: { done: 0, total: null },
      report: null,
    });
    expect(res.headers["location"]).toBe(`/api/v1/policy/simulations/${sim.id}`);
    const audit = await t.deps.db
      .selectFrom("audit_events")
      .selectAll()
      .where("entity_id", "=", sim.id)
      .execute();
    expect(audit.map((a) => a.action)).toEqual(["policy.simulation_requested"]);
    expect(JSON.parse(audit[0]!.summary)).toEqual({
      candidateVersion: "2026-strict",
      from: "2026-03-01",
      to: "2026-03-31",
    });
  });

  it("takes the document as JSON too", async () => {
    const doc = parseYaml(strictText) as unknown;
    const res = await call.post("/policy/simulations", admin, { policy: doc });
    expect(res.statusCode, res.body).toBe(202);
  });

  it("refuses a malformed policy naming the field's path, and an unknown parameter", async () => {
    const doc = parseYaml(shippedText) as { parameters: Record<string, unknown> };
    const bad = structuredClone(doc);
    bad.parameters["requestWindowDays"] = "seven";
    expectProblem(
      await call.post("/policy/simulations", admin, { policy: bad }),
      422,
      "body.policy.parameters.requestWindowDays",
    );
    const unknown = structuredClone(doc);
    unknown.parameters["refundEverything"] = true;
    expectProblem(
      await call.post("/policy/simulations", admin, { policy: unknown }),
      422,
      "body.policy.parameters.refundEverything",
    );
    expectProblem(
      await call.post("/policy/simulations", admin, {
        policy: shippedText.replace("requestWindowDays: 7", "requestWindowDays: -1"),
      }),
      422,
      "body.policy.parameters.requestWindowDays",
    );
    expectProblem(
      await call.post("/policy/simulations", admin, { policy: "version: [unclosed" }),
      422,
      "body.policy",
    );
  });

  it("refuses a bad period and an unknown member", async () => {
    expectProblem(
      await call.post("/policy/simulations", admin, { policy: strictText, from: "2026-02-30" }),
      400,
      "body.from",
    );
    expectProblem(
      await call.post("/policy/simulations", admin, {
        policy: strictText,
        from: "2026-03-02",
        to: "2026-03-01",
      }),
      400,
      "body.to",
    );
    expectProblem(
      await call.post("/policy/simulations", admin, { policy: strictText, dryRun: true }),
      400,
    );
  });

  it("is for admins only", async () => {
    expectProblem(await call.post("/policy/simulations", qa, { policy: strictText }), 403);
    expectProblem(await call.get("/policy/simulations", qa), 403);
  });
});

describe("running a simulation", () => {
  it("a worker runs it and stores the report the use case answers", async () => {
    const res = await call.post("/policy/simulations", admin, { policy: strictText });
    const { id } = res.json<{ id: string }>();
    const worker = createWorker(t.deps, { cardProvider: null, autoStart: false });
    // Earlier tests queued runs too: run until this one is done.
    for (let i = 0; i < 10; i++) {
      await worker.tick();
      await worker.settled();
      const now = await call.get(`/policy/simulations/${id}`, admin);
      if (now.json<{ status: string }>().status === "done") break;
    }
    await worker.stop();
    const done = await call.get(`/policy/simulations/${id}`, admin);
    expect(done.statusCode, done.body).toBe(200);
    const sim = done.json<{ status: string; report: unknown; progress: unknown }>();
    expect(sim.status).toBe("done");
    expect(sim.progress).toEqual({ done: 4, total: 4 });
    const candidate = parsePolicy(parseYaml(strictText));
    if (!candidate.ok) throw new Error(candidate.error.message);
    const direct = await simulatePolicy(t.deps, {
      policy: candidate.value,
      period: { from: null, to: null, startsAt: null, endsAt: null },
    });
    expect(sim.report).toEqual(JSON.parse(JSON.stringify(direct)));
    expect(direct.changed).toBe(3);
  });

  it("lists newest first, a page at a time", async () => {
    const first = await call.get("/policy/simulations?limit=2", admin);
    expect(first.statusCode, first.body).toBe(200);
    const page = first.json<{ items: { id: string; createdAt: string }[]; nextCursor: string }>();
    expect(page.items).toHaveLength(2);
    expect(page.nextCursor).not.toBeNull();
    const rest = await call.get(
      `/policy/simulations?limit=100&cursor=${encodeURIComponent(page.nextCursor)}`,
      admin,
    );
    const all = [
      ...page.items,
      ...rest.json<{ items: { id: string; createdAt: string }[] }>().items,
    ];
    const rows = await t.deps.db
      .selectFrom("policy_simulations")
      .select(["id", "created_at"])
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .execute();
    expect(all.map((s) => s.id)).toEqual(rows.map((r) => r.id));
    expectProblem(
      await call.get("/policy/simulations?cursor=nonsense!", admin),
      400,
      "querystring.cursor",
    );
    expectProblem(await call.get("/policy/simulations/sim_none", admin), 404);
  });

  it("takes over a run whose worker stopped renewing its lease, once the lease expires", async () => {
    const res = await call.post("/policy/simulations", admin, { policy: strictText });
    const { id } = res.json<{ id: string }>();
    // Drain the others so this one is next.
    await t.deps.db
      .updateTable("policy_simulations")
      .set({ status: "done" })
      .where("id", "<>", id)
      .where("status", "in", ["queued", "running"])
      .execute();
    const base = START + 2 * 86_400_000;
    t.setNow(base);
    const a = await claimNextSimulation(t.deps, { workerId: "worker-a", leaseMs: 60_000 });
    expect(a?.id).toBe(id);
    t.setNow(base + 59_000);
    expect(await claimNextSimulation(t.deps, { workerId: "worker-b", leaseMs: 60_000 })).toBe(
      undefined,
    );
    t.setNow(base + 61_000);
    const b = await claimNextSimulation(t.deps, { workerId: "worker-b", leaseMs: 60_000 });
    expect(b).toMatchObject({ id, claimed_by: "worker-b", attempts: 2, status: "running" });
  });
});
