import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testServer, type TestServer } from "../../../test/support/http.js";
import { policyDocument } from "../../core/policy/index.js";
import { CLAUSE_IDS } from "../../core/policy/index.js";
import { policyRoutes } from "./policy.js";

let t: TestServer;
beforeAll(async () => {
  t = await testServer({ routes: [policyRoutes] });
});
afterAll(() => t.close());

const get = (headers: Record<string, string>) =>
  t.app.inject({ method: "GET", url: "/api/v1/policy", headers });

describe("GET /policy", () => {
  it("shows the policy in force to anyone signed in: version, parameters, every clause", async () => {
    const doc = policyDocument(t.deps.policy);
    for (const actor of ["client:cl_1:usr_1", "qa:usr_2", "finance:usr_3", "admin:usr_4"]) {
      const r = await get({ "x-test-actor": actor });
      expect(r.statusCode, actor).toBe(200);
      expect(r.headers["x-content-type-options"]).toBe("nosniff");
      const body = r.json<{ version: string; parameters: unknown; clauses: unknown[] }>();
      expect(body.version).toBe(t.deps.policy.version);
      // The same parameters the CLI's `policy show` prints: a field dropped by the schema fails.
      expect(body.parameters).toEqual(doc.parameters);
      expect(body.clauses).toEqual(CLAUSE_IDS.map((id) => ({ id, text: doc.clauses[id] })));
      expect(body.clauses.length).toBeGreaterThan(0);
    }
  });

  it("refuses anonymous callers (401) and tokens without the right (403)", async () => {
    expect((await get({})).statusCode).toBe(401);
    expect((await get({ "x-test-actor": "token:tok_1:" })).statusCode).toBe(403);
  });
});
