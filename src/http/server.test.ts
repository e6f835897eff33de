import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { buildServer } from "./server.js";
import type { AppDeps } from "../app/context.js";
import { AppError } from "../app/errors.js";

// The shell's cross-cutting behaviour with a throwaway route set: problem+json, strict bodies,
// permissions, CSRF. Routes of the product are tested in their own suites.
describe("HTTP shell", () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    const deps = { clock: () => Date.parse("2026-03-01T00:00:00Z") } as unknown as AppDeps;
    app = await buildServer(deps, {
      logger: false,
      authenticate: async ({ sessionToken, bearerToken }) =>
        sessionToken === "client-session"
          ? {
              actor: { role: "client", clientId: "c1", userId: "u1" },
              auth: { via: "session", csrfToken: "csrf-1", sessionId: "s1" },
            }
          : bearerToken === "tok"
            ? {
                actor: { role: "api_token", tokenId: "t1", scopes: ["orders:write"] },
                auth: { via: "token", csrfToken: null, sessionId: null },
              }
            : {
                actor: { role: "anonymous" },
                auth: { via: "none", csrfToken: null, sessionId: null },
              },
      routes: [
        async (api) => {
          api.post(
            "/things",
            {
              config: { permission: "order.write" },
              schema: {
                body: {
                  type: "object",
                  additionalProperties: false,
                  required: ["name"],
                  properties: { name: { type: "string" }, count: { type: "integer" } },
                },
              },
            },
            async (req) => ({ got: req.body }),
          );
          api.post("/requests", { config: { permission: "request.create" } }, async () => {
            throw new AppError("conflict", "already open", [], { openRequestId: "r1" });
          });
          api.get("/undeclared", async () => ({}));
          api.get("/boom", { config: { permission: "public" } }, async () => {
            throw new Error("SELECT * FROM secrets");
          });
        },
      ],
    });
    await app.ready();
  });
  afterAll(() => app.close());

  it("answers an unknown /api/ path with 404 problem+json", async () => {
    const r = await app.inject({ method: "GET", url: "/api/v1/nope" });
    expect(r.statusCode).toBe(404);
    expect(r.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(r.json()).toMatchObject({ status: 404, code: "not_found" });
  });

  it("refuses anonymous callers with 401", async () => {
    const r = await app.inject({ method: "POST", url: "/api/v1/things", payload: { name: "a" } });
    expect(r.statusCode).toBe(401);
  });

  it("refuses unknown fields and coerced types with 400 naming the field", async () => {
    const auth = { authorization: "Bearer tok" };
    const extra = await app.inject({
      method: "POST",
      url: "/api/v1/things",
      headers: auth,
      payload: { name: "a", status: "approved" },
    });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().errors[0]).toEqual({ path: "body.status", message: "unknown field" });
    const coerced = await app.inject({
      method: "POST",
      url: "/api/v1/things",
      headers: auth,
      payload: { name: "a", count: "3" },
    });
    expect(coerced.statusCode).toBe(400);
    expect(coerced.json().errors[0].path).toBe("body.count");
    const ok = await app.inject({
      method: "POST",
      url: "/api/v1/things",
      headers: auth,
      payload: { name: "a", count: 3 },
    });
    expect(ok.statusCode).toBe(200);
  });

  it("says which part of a bad JSON body is wrong without internals", async () => {
    const r = await app.inject({
      method: "POST",
      url: "/api/v1/things",
      headers: { authorization: "Bearer tok", "content-type": "application/json" },
      payload: "{nope",
    });
    expect(r.statusCode).toBe(400);
    expect(r.json().detail).toBe("the body is not valid JSON");
  });

  it("refuses a role without the permission with 403", async () => {
    const r = await app.inject({
      method: "POST",
      url: "/api/v1/things",
      cookies: { rd_session: "client-session" },
      headers: { "x-csrf-token": "csrf-1" },
      payload: { name: "a" },
    });
    expect(r.statusCode).toBe(403);
  });

  it("requires the CSRF header on cookie-authenticated writes", async () => {
    const missing = await app.inject({
      method: "POST",
      url: "/api/v1/requests",
      cookies: { rd_session: "client-session" },
    });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().code).toBe("csrf_failed");
    const good = await app.inject({
      method: "POST",
      url: "/api/v1/requests",
      cookies: { rd_session: "client-session" },
      headers: { "x-csrf-token": "csrf-1" },
    });
    expect(good.statusCode).toBe(409);
    expect(good.json()).toMatchObject({ code: "conflict", openRequestId: "r1" });
  });

  it("refuses a route that declares no permission", async () => {
    const r = await app.inject({ method: "GET", url: "/api/v1/undeclared" });
    expect(r.statusCode).toBe(403);
  });

  it("never leaks internals on a 500", async () => {
    const r = await app.inject({ method: "GET", url: "/api/v1/boom" });
    expect(r.statusCode).toBe(500);
    expect(r.body).not.toMatch(/SELECT|secrets|at .*\.ts/);
  });

  it("serves OpenAPI 3.1", async () => {
    const r = await app.inject({ method: "GET", url: "/openapi.json" });
    expect(r.statusCode).toBe(200);
    expect(r.json().openapi).toBe("3.1.0");
  });

  it("opens /docs on the guide, and Authorize's schemes are what the server reads", async () => {
    const page = await app.inject({ method: "GET", url: "/docs/" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.body).toContain("<title>Refund Desk API</title>");
    const doc = (await app.inject({ method: "GET", url: "/docs/json" })).json<{
      info: { description: string };
      components: { securitySchemes: Record<string, { in?: string; name?: string }> };
    }>();
    expect(doc.info.description).toContain("## Trying a call here");
    const { session, csrf } = doc.components.securitySchemes;
    // A write as Authorize sends it: the session cookie and the CSRF header named by the schemes.
    const asAuthorized = (csrfValue: string) =>
      app.inject({
        method: "POST",
        url: "/api/v1/requests",
        cookies: { [session!.name!]: "client-session" },
        headers: { [csrf!.name!]: csrfValue },
        payload: {},
      });
    // Past authentication and the CSRF check: the handler's own answer (its 409).
    expect((await asAuthorized("csrf-1")).json().code).toBe("conflict");
    expect((await asAuthorized("wrong")).json().code).toBe("csrf_failed");
    // And with the bearer token.
    const withToken = await app.inject({
      method: "POST",
      url: "/api/v1/things",
      headers: { authorization: "Bearer tok" },
      payload: { name: "x" },
    });
    expect(withToken.statusCode).toBeLessThan(300);
  });
});

describe("errors raised before routing", () => {
  it("answer as problem documents", async () => {
    const deps = { clock: () => 0 } as unknown as AppDeps;
    const app = await buildServer(deps, {
      logger: false,
      routes: [
        async (api) => {
          api.get("/things/:id", { config: { permission: "public" } }, async () => ({}));
        },
      ],
    });
    await app.ready();
    const bad = await app.inject({ method: "GET", url: "/api/v1/things/%zz" });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers["content-type"]).toMatch(/^application\/problem\+json/);
    const long = await app.inject({ method: "GET", url: `/api/v1/things/${"x".repeat(500)}` });
    expect(long.statusCode).toBe(414);
    expect(long.headers["content-type"]).toMatch(/^application\/problem\+json/);
    await app.close();
  });
});
