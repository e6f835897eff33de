// Policy versions (issue 16, ADR 0025) through the HTTP API, on SQLite (npm test) and PostgreSQL
// (DATABASE_URL): publication and its refusals, the version in force by instant (the effective
// instant itself belongs to the new version), requests judged for good under the version in force
// at their submission (also when re-evaluated after a client's answer), payouts under the version
// in force at their approval, withdrawal only before a version takes effect, and the diff.

import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dueWindow } from "../../src/core/payouts/payouts.js";
import { parsePolicy, policyDocument, type Policy } from "../../src/core/policy/index.js";
import { verifyAudit } from "../../src/db/audit.js";
import { clientRow, orderRow, paymentRow, userRow } from "../support/db-rows.js";
import { testServer, type TestServer } from "../support/http.js";
import { localAttachmentStorage } from "../../src/storage/index.js";

const NOW = Date.parse("2026-03-02T09:00:00Z"); // a Monday
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const E = NOW + DAY; // the second version's effective instant: Tuesday 09:00 UTC
const DELIVERED = "2026-02-25T10:00:00.000Z";

let t: TestServer;
let qa: string;
const admin = "admin:usr_policy_admin";
let clientActor: string;
let clientId: string;
let v1: Policy;
let v2: Policy;

function send(
  method: "GET" | "POST" | "DELETE",
  url: string,
  actor: string,
  payload?: unknown,
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: { "x-test-actor": actor },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
}

/** A policy document (as JSON text) from the first version with `change` applied. */
function documentText(change: (d: ReturnType<typeof policyDocument>) => void): string {
  const doc = policyDocument(v1);
  change(doc);
  return JSON.stringify(doc);
}

interface RequestJson {
  id: string;
  status: string;
  version: number;
  policyVersion: string | null;
  recommendation: { outcome: string; policyVersion: string; clauses: string[] } | null;
}

/** A delivered order of the client and a mismatch request on it, submitted now. */
async function mismatchRequest(): Promise<RequestJson> {
  const o = orderRow(clientId, {
    service_category: "consulting",
    started_at: "2026-02-10T10:00:00.000Z",
    delivered_at: DELIVERED,
  });
  await t.db.db.insertInto("orders").values(o).execute();
  await t.db.db
    .insertInto("payments")
    .values(paymentRow(o, { charge_ref: o.id }))
    .execute();
  const res = await send("POST", "/requests", clientActor, {
    orderId: o.id,
    reason: "mismatch",
    description: "The report covers another network than the one we ordered.",
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<RequestJson>();
}

beforeAll(async () => {
  t = await testServer({ now: NOW });
  v1 = t.policy;
  const staff = userRow({ role: "qa" });
  const c = clientRow();
  const u = userRow({ role: "client", client_id: c.id });
  await t.db.db.insertInto("users").values(staff).execute();
  await t.db.db.insertInto("clients").values(c).execute();
  await t.db.db.insertInto("users").values(u).execute();
  qa = `qa:${staff.id}`;
  clientId = c.id;
  clientActor = `client:${c.id}:${u.id}`;
  const parsed = parsePolicy(
    JSON.parse(
      documentText((d) => {
        d.version = "2026-03-03.1";
        d.parameters["requestWindowDays"] = 3;
        d.parameters["holidays"] = ["2026-03-04", "2026-03-05"];
        d.clauses["procedure.window"] =
          "Clients must submit a written refund request within 3 calendar days of the service delivery date.";
      }),
    ),
  );
  if (!parsed.ok) throw new Error(parsed.error.message);
  v2 = parsed.value;
});
afterAll(() => t.close());

describe("publishing", () => {
  it("refuses a malformed document naming the field's path, and unknown parameters", async () => {
    const future = new Date(E).toISOString();
    const bad = await send("POST", "/policy/versions", admin, {
      document: documentText((d) => {
        d.version = "bad-1";
        d.parameters["requestWindowDays"] = "seven";
      }),
      effectiveAt: future,
    });
    expect(bad.statusCode, bad.body).toBe(422);
    expect(bad.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(bad.json().errors[0].path).toBe("document.parameters.requestWindowDays");

    const unknown = await send("POST", "/policy/versions", admin, {
      document: documentText((d) => {
        d.version = "bad-2";
        d.parameters["refundEverything"] = true;
      }),
      effectiveAt: future,
    });
    expect(unknown.statusCode, unknown.body).toBe(422);
    expect(unknown.json().errors[0]).toEqual({
      path: "document.parameters.refundEverything",
      message: "unknown field",
    });

    const missingClause = await send("POST", "/policy/versions", admin, {
      document: documentText((d) => {
        d.version = "bad-3";
        delete d.clauses["procedure.window"];
      }),
      effectiveAt: future,
    });
    expect(missingClause.statusCode).toBe(422);
    expect(missingClause.json().errors[0].path).toBe('document.clauses["procedure.window"]');

    const notYaml = await send("POST", "/policy/versions", admin, {
      document: "version: [unclosed\n",
      effectiveAt: future,
    });
    expect(notYaml.statusCode).toBe(422);
    expect(notYaml.json().errors[0].path).toBe("document");

    const noInstant = await send("POST", "/policy/versions", admin, { document: "x: 1" });
    expect(noInstant.statusCode).toBe(400);

    const badInstant = await send("POST", "/policy/versions", admin, {
      document: documentText((d) => void (d.version = "bad-4")),
      effectiveAt: "next tuesday",
    });
    expect(badInstant.statusCode).toBe(400);
    expect(badInstant.json().errors[0].path).toBe("effectiveAt");
    expect((await send("GET", "/policy/versions", admin)).json().items).toHaveLength(1);
  });

  it("refuses an effective instant in the past, or now: history is never rewritten", async () => {
    for (const at of [NOW - 1, NOW]) {
      const res = await send("POST", "/policy/versions", admin, {
        document: documentText((d) => void (d.version = "past-1")),
        effectiveAt: new Date(at).toISOString(),
      });
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().errors[0].path).toBe("effectiveAt");
    }
  });

  it("is for admins only; others are refused before anything is read", async () => {
    for (const actor of [qa, clientActor, "finance:usr_f", "token:tok_1:orders:write"]) {
      const res = await send("POST", "/policy/versions", actor, {
        document: documentText((d) => void (d.version = "nope")),
        effectiveAt: new Date(E).toISOString(),
      });
      expect(res.statusCode, actor).toBe(403);
    }
  });

  it("schedules a version from a future instant, audited; the version in force stays until then", async () => {
    const res = await send("POST", "/policy/versions", admin, {
      document: JSON.stringify(policyDocument(v2)),
      effectiveAt: "2026-03-03T16:00:00+07:00", // E, written in Bangkok time
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers["location"]).toBe("/api/v1/policy/versions/2026-03-03.1");
    expect(res.json()).toMatchObject({
      id: "2026-03-03.1",
      effectiveAt: new Date(E).toISOString(),
      inForceFrom: new Date(E).toISOString(),
      status: "scheduled",
      publishedBy: "usr_policy_admin",
      document: { parameters: { requestWindowDays: 3 } },
    });
    const audit = await t.db.db
      .selectFrom("audit_events")
      .selectAll()
      .where("entity_type", "=", "policy_version")
      .orderBy("seq")
      .execute();
    expect(audit.map((a) => [a.action, a.entity_id, a.actor])).toEqual([
      ["policy.publish", v1.version, "user:usr_system"],
      ["policy.publish", "2026-03-03.1", "user:usr_policy_admin"],
    ]);
    expect((await verifyAudit(t.db.db)).ok).toBe(true);

    // The same id again, or another version at the same instant: 409.
    const again = await send("POST", "/policy/versions", admin, {
      document: JSON.stringify(policyDocument(v2)),
      effectiveAt: new Date(E + DAY).toISOString(),
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().errors[0].path).toBe("document.version");
    const clash = await send("POST", "/policy/versions", admin, {
      document: documentText((d) => void (d.version = "clash")),
      effectiveAt: new Date(E).toISOString(),
    });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().errors[0].path).toBe("effectiveAt");

    const policy = (await send("GET", "/policy", clientActor)).json();
    expect(policy).toMatchObject({
      id: v1.version,
      version: v1.version,
      inForceUntil: new Date(E).toISOString(),
      parameters: { requestWindowDays: 7 },
    });
    const list = (await send("GET", "/policy/versions", qa)).json();
    expect(list.items.map((v: { id: string; status: string }) => [v.id, v.status])).toEqual([
      [v1.version, "in_force"],
      ["2026-03-03.1", "scheduled"],
    ]);
  });

  it("answers the differences side by side", async () => {
    const res = await send("GET", `/policy/versions/${v1.version}/diff/2026-03-03.1`, qa);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      a: { id: v1.version, status: "in_force" },
      b: { id: "2026-03-03.1", status: "scheduled" },
      settings: [
        { path: "parameters.requestWindowDays", a: 7, b: 3 },
        { path: "parameters.holidays", a: [], b: ["2026-03-04", "2026-03-05"] },
      ],
      clauses: [
        {
          id: "procedure.window",
          a: v1.clauses["procedure.window"],
          b: v2.clauses["procedure.window"],
        },
      ],
    });
    expect((await send("GET", `/policy/versions/${v1.version}/diff/nope`, qa)).statusCode).toBe(
      404,
    );
  });
});

describe("requests and the version they are judged under", () => {
  let before: RequestJson;
  let justBefore: RequestJson;

  it("a request submitted before the change keeps its version's outcome; the instant itself belongs to the new version", async () => {
    t.setNow(NOW);
    before = await mismatchRequest();
    expect(before.policyVersion).toBe(v1.version);
    expect(before.recommendation).toMatchObject({ outcome: "review", policyVersion: v1.version });
    const asked = await send("POST", `/requests/${before.id}/request-info`, qa, {
      expectedVersion: before.version,
      question: "Which network did you order the test for?",
    });
    expect(asked.statusCode, asked.body).toBe(200);

    t.setNow(E - 1);
    justBefore = await mismatchRequest();
    expect(justBefore.policyVersion).toBe(v1.version);
    expect(justBefore.recommendation?.outcome).toBe("review");

    t.setNow(E);
    const at = await mismatchRequest();
    expect(at.policyVersion).toBe("2026-03-03.1");
    // Six days after delivery: outside the new three-day window.
    expect(at.recommendation).toMatchObject({
      outcome: "deny",
      policyVersion: "2026-03-03.1",
      clauses: expect.arrayContaining(["procedure.window"]),
    });
    const stored = await t.db.db
      .selectFrom("refund_requests")
      .select(["id", "policy_version_id"])
      .where("id", "in", [before.id, justBefore.id, at.id])
      .execute();
    expect(Object.fromEntries(stored.map((r) => [r.id, r.policy_version_id]))).toEqual({
      [before.id]: v1.version,
      [justBefore.id]: v1.version,
      [at.id]: "2026-03-03.1",
    });
    const policy = (await send("GET", "/policy", clientActor)).json();
    expect(policy).toMatchObject({ id: "2026-03-03.1", inForceSince: new Date(E).toISOString() });
  });

  it("re-evaluated after the client's answer, the earlier request is judged under its own version", async () => {
    t.setNow(E + HOUR);
    const answered = await send("POST", `/requests/${before.id}/answer`, clientActor, {
      message: "The internal network, 10.0.0.0/8, as in the offer.",
    });
    expect(answered.statusCode, answered.body).toBe(200);
    const view = (await send("GET", `/requests/${before.id}`, qa)).json<RequestJson>();
    // Under the version in force now it would be a denial (outside three days); under its own,
    // a person reviews.
    expect(view.recommendation).toMatchObject({ outcome: "review", policyVersion: v1.version });
    expect(view.policyVersion).toBe(v1.version);
    const recs = await t.db.db
      .selectFrom("recommendations")
      .select("policy_version")
      .where("request_id", "=", before.id)
      .execute();
    expect(recs.map((r) => r.policy_version)).toEqual([v1.version]);
  });

  it("an approval's payouts take the version in force at the approval (its holidays)", async () => {
    t.setNow(E + HOUR);
    const approved = await send("POST", `/requests/${justBefore.id}/approve`, qa, {
      expectedVersion: justBefore.version,
      amount: { amount: "4800.00", currency: "USD" },
      justification: "The report covers the wrong network.",
    });
    expect(approved.statusCode, approved.body).toBe(200);
    const payouts = await t.db.db
      .selectFrom("payouts")
      .select(["policy_version_id", "due_earliest", "due_latest"])
      .where("request_id", "=", justBefore.id)
      .execute();
    const underV2 = dueWindow(E + HOUR, v2.params);
    const underV1 = dueWindow(E + HOUR, v1.params);
    expect(underV2).not.toEqual(underV1); // the two holidays move the window
    expect(payouts).toEqual([
      {
        policy_version_id: "2026-03-03.1",
        due_earliest: underV2.earliest,
        due_latest: underV2.latest,
      },
    ]);
    // The request stays judged under its own version; its decision is not rewritten.
    const view = (await send("GET", `/requests/${justBefore.id}`, qa)).json<RequestJson>();
    expect(view.policyVersion).toBe(v1.version);
    expect(view.status).toBe("approved");
  });
});

describe("withdrawing", () => {
  it("withdraws a scheduled version before it takes effect, never after; audited", async () => {
    t.setNow(E + HOUR);
    const later = E + 10 * DAY;
    const published = await send("POST", "/policy/versions", admin, {
      document: documentText((d) => {
        d.version = "2026-03-13.1";
        d.parameters["requestWindowDays"] = 30;
      }),
      effectiveAt: new Date(later).toISOString(),
    });
    expect(published.statusCode, published.body).toBe(201);
    expect((await send("DELETE", "/policy/versions/2026-03-13.1", qa)).statusCode).toBe(403);

    const withdrawn = await send("DELETE", "/policy/versions/2026-03-13.1", admin);
    expect(withdrawn.statusCode, withdrawn.body).toBe(200);
    expect(withdrawn.json()).toMatchObject({
      id: "2026-03-13.1",
      status: "withdrawn",
      withdrawnBy: "usr_policy_admin",
      inForceFrom: null,
    });
    const twice = await send("DELETE", "/policy/versions/2026-03-13.1", admin);
    expect(twice.statusCode).toBe(409);

    // Never in force: a request submitted after its instant is judged under the one before.
    t.setNow(later + HOUR);
    const after = await mismatchRequest();
    expect(after.policyVersion).toBe("2026-03-03.1");
    // Another version may now take that instant.
    const retaken = await send("POST", "/policy/versions", admin, {
      document: documentText((d) => void (d.version = "2026-03-20.1")),
      effectiveAt: new Date(later + 7 * DAY).toISOString(),
    });
    expect(retaken.statusCode, retaken.body).toBe(201);

    // Versions that took effect (in force, or superseded) are never withdrawn.
    for (const id of ["2026-03-03.1", v1.version]) {
      const res = await send("DELETE", `/policy/versions/${encodeURIComponent(id)}`, admin);
      expect(res.statusCode, `${id} ${res.body}`).toBe(409);
    }
    expect((await send("DELETE", "/policy/versions/none-such", admin)).statusCode).toBe(404);
    const list = (await send("GET", "/policy/versions?limit=2", qa)).json();
    expect(list.items.map((v: { status: string }) => v.status)).toEqual(["superseded", "in_force"]);
    const rest = (
      await send("GET", `/policy/versions?limit=10&cursor=${list.nextCursor}`, qa)
    ).json();
    expect(rest.items.map((v: { id: string; status: string }) => [v.id, v.status])).toEqual([
      ["2026-03-13.1", "withdrawn"],
      ["2026-03-20.1", "scheduled"],
    ]);
    const actions = await t.db.db
      .selectFrom("audit_events")
      .select(["action", "entity_id"])
      .where("entity_type", "=", "policy_version")
      .orderBy("seq")
      .execute();
    expect(actions.map((a) => `${a.action} ${a.entity_id}`)).toEqual([
      `policy.publish ${v1.version}`,
      "policy.publish 2026-03-03.1",
      "policy.publish 2026-03-13.1",
      "policy.withdraw 2026-03-13.1",
      "policy.publish 2026-03-20.1",
    ]);
  });

  it("a published version is immutable in the database itself", async () => {
    await expect(
      t.db.db
        .updateTable("policy_versions")
        .set({ document: "{}" })
        .where("id", "=", v1.version)
        .execute(),
    ).rejects.toThrow(/immutable/);
    await expect(
      t.db.db.deleteFrom("policy_versions").where("id", "=", v1.version).execute(),
    ).rejects.toThrow(/never deleted/);
  });
});

describe("another server on the same database", () => {
  it("sees a version published elsewhere once its short cache expires; the instant decides", async () => {
    // A second set of deps (another process's store) caches the timeline; a publication
    // through the first server reaches it within POLICY_TIMELINE_MS of its own clock.
    const { createAppDeps } = await import("../../src/app/context.js");
    let cacheNow = 0;
    const other = createAppDeps({
      db: t.db.db,
      dialect: t.db.dialect,
      policy: null,
      clock: () => Date.parse("2026-04-01T00:00:00Z"),
      dataDir: "/nonexistent",
      attachments: localAttachmentStorage(t.db.db, "/nonexistent"),
      cacheClock: () => cacheNow,
    });
    t.setNow(Date.parse("2026-03-25T00:00:00Z"));
    const before = await other.policies.inForce(Date.parse("2026-05-01T00:00:00Z"));
    const published = await send("POST", "/policy/versions", admin, {
      document: documentText((d) => void (d.version = "2026-04-15.1")),
      effectiveAt: "2026-04-15T00:00:00Z",
    });
    expect(published.statusCode, published.body).toBe(201);
    // What is stored with a request is read in its transaction, never from a cache.
    const stored = await other.policies.inForceIn(t.db.db, Date.parse("2026-05-01T00:00:00Z"));
    expect(stored.id).toBe("2026-04-15.1");
    cacheNow += 2_001;
    const after = await other.policies.inForce(Date.parse("2026-05-01T00:00:00Z"));
    expect([before.id, after.id]).toEqual(["2026-03-20.1", "2026-04-15.1"]);
    expect((await other.policies.inForce(Date.parse("2026-04-14T23:59:59.999Z"))).id).toBe(
      "2026-03-20.1",
    );
  });
});
