// Every route declares its permission: the server is built with the real route list, and every
// route it registered under /api/v1 names "public" or one of the core's actions. A route added
// without one fails here (and answers 403 at run time, see src/http/server.ts).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTIONS } from "../../src/core/access/index.js";
import type { RouteRecord } from "../../src/http/server.js";
import { testServer, type TestServer } from "../support/http.js";

let t: TestServer;
let records: RouteRecord[];

beforeAll(async () => {
  t = await testServer();
  records = (t.app as typeof t.app & { routeRecords: RouteRecord[] }).routeRecords;
});
afterAll(() => t.close());

const api = () => records.filter((r) => r.url.startsWith("/api/v1/"));

describe("route permissions", () => {
  it("registers the API's resources", () => {
    const urls = new Set(api().map((r) => `${r.method} ${r.url}`));
    expect(api().length).toBeGreaterThanOrEqual(40);
    for (const known of [
      "POST /api/v1/session",
      "GET /api/v1/users/:id",
      "DELETE /api/v1/tokens/:id",
      "GET /api/v1/orders/:id",
      "GET /api/v1/orders/:id/payments",
      "POST /api/v1/orders/:id/events",
      "GET /api/v1/payments/:id",
      "POST /api/v1/requests",
      "GET /api/v1/requests/:id",
      "POST /api/v1/requests/:id/messages",
      "GET /api/v1/requests/:id/decisions",
      "POST /api/v1/requests/:id/approve",
      "POST /api/v1/requests/:id/attachments",
      "GET /api/v1/attachments/:id",
      "GET /api/v1/policy",
    ]) {
      expect(urls, known).toContain(known);
    }
  });

  it("every route under /api/v1 declares public or an action of the core", () => {
    const allowed = new Set<string>(["public", ...ACTIONS]);
    const undeclared = api().filter(
      (r) => r.permission === undefined || !allowed.has(r.permission),
    );
    expect(undeclared).toEqual([]);
  });

  it("only sign-in, who-am-I, sign-out and the password links are public under /api/v1", () => {
    const publicRoutes = api()
      .filter((r) => r.permission === "public")
      .map((r) => `${r.method} ${r.url}`)
      .sort();
    expect(publicRoutes).toEqual([
      "DELETE /api/v1/session",
      "GET /api/v1/session",
      "POST /api/v1/password-resets",
      "POST /api/v1/session",
      "POST /api/v1/set-password",
    ]);
  });

  it("every route outside /api/v1 is public documentation or a probe, or the protected /metrics", () => {
    const outside = records.filter((r) => !r.url.startsWith("/api/v1/"));
    const metrics = outside.filter((r) => r.url === "/metrics");
    expect(metrics).toEqual([{ method: "GET", url: "/metrics", permission: "metrics.read" }]);
    for (const r of outside.filter((r) => r.url !== "/metrics")) {
      expect(r.permission, `${r.method} ${r.url}`).toBe("public");
      expect(r.method).toBe("GET");
      expect(r.url).toMatch(/^\/(docs|health$|ready$|openapi\.json$)/);
    }
  });

  it("a route registered without a permission is refused at run time, not served", async () => {
    const probe = await testServer({
      routes: [
        (app) => {
          app.get("/undeclared", async () => ({ secret: true }));
        },
      ],
    });
    try {
      const recs = (probe.app as typeof probe.app & { routeRecords: RouteRecord[] }).routeRecords;
      expect(recs.find((r) => r.url === "/api/v1/undeclared")?.permission).toBeUndefined();
      const res = await probe.app.inject({
        method: "GET",
        url: "/api/v1/undeclared",
        headers: { "x-test-actor": "admin:usr_1" },
      });
      expect(res.statusCode).toBe(403);
      expect(res.headers["content-type"]).toContain("application/problem+json");
      expect(res.body).not.toContain("secret");
    } finally {
      await probe.close();
    }
  });
});
