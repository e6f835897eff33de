import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "../../../test/support/api-client.js";
import { testServer, type TestServer } from "../../../test/support/http.js";
import { policyDocument } from "../../core/policy/index.js";
import { CLAUSE_IDS } from "../../core/policy/index.js";
import { policyRoutes } from "./policy.js";

let t: TestServer;
beforeAll(async () => {
  t = await testServer({ routes: [policyRoutes] });
});
afterAll(() => t.close());

// Through the typed client (openapi-fetch over the generated types): the answer is the
// document's `Policy`, so a field renamed in the route breaks this suite at type-checking.
const get = (headers: Record<string, string>) => apiClient(t.app, headers).GET("/api/v1/policy");

describe("GET /policy", () => {
  it("shows the policy in force to anyone signed in: version, parameters, every clause", async () => {
    const doc = policyDocument(t.policy);
    for (const actor of ["client:cl_1:usr_1", "qa:usr_2", "finance:usr_3", "admin:usr_4"]) {
      const { data: body, response } = await get({ "x-test-actor": actor });
      expect(response.status, actor).toBe(200);
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      if (body === undefined) throw new Error("no body");
      expect(body.version).toBe(t.policy.version);
      // The same parameters the CLI's `policy show` prints: a field dropped by the schema fails.
      expect(body.parameters).toEqual(doc.parameters);
      // The amounts per currency above which a payout needs a second approver.
      expect(body.payouts).toEqual(doc.payouts);
      expect(Object.keys(body.payouts.secondApprovalAbove).length).toBeGreaterThan(0);
      expect(body.clauses).toEqual(CLAUSE_IDS.map((id) => ({ id, text: doc.clauses[id] })));
      expect(body.clauses.length).toBeGreaterThan(0);
    }
  });

  it("refuses anonymous callers (401) and tokens without the right (403)", async () => {
    const anonymous = await get({});
    expect(anonymous.response.status).toBe(401);
    expect(anonymous.error?.code).toBe("unauthenticated");
    const token = await get({ "x-test-actor": "token:tok_1:" });
    expect(token.response.status).toBe(403);
    expect(token.error?.code).toBe("forbidden");
  });
});
