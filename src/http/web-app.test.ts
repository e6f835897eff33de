import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppDeps } from "../app/context.js";
import { buildServer } from "./server.js";
import { findWebRoot } from "./web-app.js";

// The web app beside the API: hashed assets cached as immutable, index.html no-cache, the SPA
// fallback for pages only, and the API's own 404 problems untouched.
describe("web app serving", () => {
  let app: FastifyInstance;
  let root: string;
  const INDEX = "<!doctype html><title>Refund Desk</title><div id=root></div>";
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "rd-web-"));
    mkdirSync(join(root, "assets"));
    writeFileSync(join(root, "index.html"), INDEX);
    writeFileSync(join(root, "assets", "index-AbC123.js"), "console.log(1)");
    const deps = { clock: () => Date.parse("2026-03-01T00:00:00Z") } as unknown as AppDeps;
    app = await buildServer(deps, {
      logger: false,
      webRoot: root,
      routes: [
        async (api) => {
          api.get("/things", { config: { permission: "public" } }, async () => ({ ok: true }));
        },
      ],
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("serves index.html at / without caching", async () => {
    const res = await app.inject({ url: "/", headers: { accept: "text/html" } });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/html/);
    expect(res.headers["cache-control"]).toBe("no-cache");
    expect(res.body).toBe(INDEX);
  });

  it("serves hashed assets as immutable for a year", async () => {
    const res = await app.inject({ url: "/assets/index-AbC123.js" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/javascript/);
    expect(res.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("answers a missing asset with a 404 problem, not cached and not the app", async () => {
    const res = await app.inject({ url: "/assets/nope-123.js", headers: { accept: "text/html" } });
    expect(res.statusCode).toBe(404);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(res.headers["cache-control"]).toBeUndefined();
  });

  it("refuses to leave the web root", async () => {
    const res = await app.inject({ url: "/assets/..%2f..%2fetc%2fpasswd" });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.body).not.toContain("root:");
  });

  it("falls back to index.html for app pages that accept HTML (bookmarked URLs)", async () => {
    for (const url of ["/requests/REQ-1", "/orders?x=1", "/staff/queue", "/sign-in"]) {
      const res = await app.inject({ url, headers: { accept: "text/html,application/xhtml+xml" } });
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toBe(INDEX);
      expect(res.headers["cache-control"], url).toBe("no-cache");
    }
  });

  it("keeps JSON 404 problems for unknown API paths and non-HTML callers", async () => {
    for (const [url, accept] of [
      ["/api/v1/nope", "text/html"],
      ["/api/nope", "text/html"],
      ["/docs/nope/deeper", "text/html"],
      ["/requests/REQ-1", "application/json"],
      ["/requests/REQ-1", ""],
    ] as const) {
      const res = await app.inject({ url, headers: accept === "" ? {} : { accept } });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers["content-type"], url).toMatch(/^application\/problem\+json/);
      expect(res.json().code, url).toBe("not_found");
    }
    const post = await app.inject({
      method: "POST",
      url: "/requests",
      headers: { accept: "text/html" },
    });
    expect(post.statusCode).toBe(404);
  });

  it("leaves the API and the OpenAPI document as they were", async () => {
    const api = await app.inject({ url: "/api/v1/things", headers: { accept: "text/html" } });
    expect(api.json()).toEqual({ ok: true });
    const doc = await app.inject({ url: "/openapi.json", headers: { accept: "text/html" } });
    expect(doc.headers["content-type"]).toMatch(/^application\/json/);
    expect(Object.keys(doc.json().paths)).not.toContain("/");
  });

  it("finds the built app only where index.html exists", () => {
    expect(findWebRoot(root)).toBe(root);
    expect(findWebRoot(join(root, "assets"))).toBeNull();
  });
});
