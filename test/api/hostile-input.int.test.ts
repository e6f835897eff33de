// What the fuzz suite finds by chance, made systematic:
// - a NUL character (which PostgreSQL refuses in text) and a lone surrogate in every path
//   parameter, every query parameter and every string of every write body, sent by callers
//   allowed to reach the database: never a 5xx, every error problem+json (on SQLite these are
//   stored as sent; on PostgreSQL only a check before the query keeps them from becoming 500s);
// - multipart uploads cut short (no closing boundary, truncated inside a file or a part's
//   headers): an answer (4xx) within seconds and nothing kept, never a request left hanging.

import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { snapshotDatabase, snapshotDiff } from "../support/db-snapshot.js";
import { routesOf, type FuzzRoute, type OpenApiDoc } from "../support/api-fuzz.js";
import { writeRoutes } from "../support/api-bodies.js";
import {
  seedWorld,
  textUpload,
  type ApiRequest,
  type CallerName,
  type World,
} from "../support/api-world.js";

let w: World;
let routes: FuzzRoute[];
const failures: string[] = [];
let sent = 0;

beforeAll(async () => {
  w = await seedWorld();
  const doc = (await w.app.inject({ method: "GET", url: "/openapi.json" })).json<OpenApiDoc>();
  routes = routesOf(doc);
}, 60_000);
afterAll(() => w.close());

async function probe(caller: CallerName, req: ApiRequest, what: string): Promise<void> {
  sent++;
  const res: LightMyRequestResponse = await w.send(caller, req);
  const type = String(res.headers["content-type"] ?? "");
  if (res.statusCode >= 500) {
    failures.push(`${what} as ${caller}: ${req.method} ${req.url} -> ${res.statusCode}`);
  } else if (res.statusCode >= 400 && !type.startsWith("application/problem+json")) {
    failures.push(`${what} as ${caller}: ${req.method} ${req.url} -> ${res.statusCode} ${type}`);
  }
}

/** A real id for each path parameter of a route (A's resources; the spare user and token). */
function realPath(route: FuzzRoute): Record<string, string> {
  const i = w.ids;
  const first = route.path.split("/")[3] ?? "";
  const byResource: Record<string, string> = {
    orders: i.orderA,
    payments: i.paymentA,
    requests: i.requestA,
    attachments: i.attachmentA,
    users: i.spareUserA,
    tokens: i.spareToken,
    "webhook-endpoints": i.webhookEndpoint,
  };
  const out: Record<string, string> = {};
  for (const p of route.pathParams)
    out[p] = p === "eventId" ? i.eventA : (byResource[first] ?? "x");
  return out;
}

const fill = (route: FuzzRoute, values: Record<string, string>) =>
  route.path.replace(/\{(\w+)\}/g, (_m, name: string) => values[name] ?? "x");

/** Every path to a string inside a JSON value. */
function stringLeaves(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (typeof v === "string") return [at];
  if (Array.isArray(v)) return v.flatMap((x, i) => stringLeaves(x, [...at, i]));
  if (v !== null && typeof v === "object") {
    return Object.entries(v).flatMap(([k, x]) => stringLeaves(x, [...at, k]));
  }
  return [];
}

/** The body with `inserted` put after the first character of the string at `at`. */
function insertInto(v: unknown, at: (string | number)[], inserted: string): unknown {
  const copy = structuredClone(v) as Record<string | number, unknown>;
  let node = copy;
  for (const k of at.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  const last = at[at.length - 1];
  if (last !== undefined) {
    const old = String(node[last]);
    node[last] = `${old.slice(0, 1)}${inserted}${old.slice(1)}`;
  }
  return copy;
}

const HOSTILE: readonly [string, string][] = [
  ["NUL", "\u0000"],
  ["lone surrogate", "\ud800"],
];

describe("hostile characters in every string slot", () => {
  it("path parameters, query parameters and body strings: never a 5xx", async () => {
    const callers: CallerName[] = ["admin", "clientA"];
    const pending: (() => Promise<void>)[] = [];
    // Path parameters (a NUL, percent-encoded as a client would send it).
    for (const route of routes) {
      for (const p of route.pathParams) {
        const url = fill(route, { ...realPath(route), [p]: "abc%00def" }).replace("/api/v1", "");
        for (const c of callers) {
          const upload = route.multipart ? textUpload() : undefined;
          await probe(
            c,
            {
              method: route.method as ApiRequest["method"],
              url,
              ...(upload === undefined ? {} : { payload: upload.payload, headers: upload.headers }),
            },
            `path ${p}`,
          );
        }
      }
      // Query parameters.
      for (const q of Object.keys(route.query)) {
        const base = fill(route, realPath(route)).replace("/api/v1", "");
        for (const c of callers) {
          await probe(c, { method: "GET", url: `${base}?${q}=a%00b` }, `query ${q}`);
        }
      }
    }
    // Every string in every write body, each in turn, as the route's own caller; and each path
    // parameter of the write routes with an otherwise valid body (else validation answers first).
    for (const write of writeRoutes(() => w)) {
      const base = await write.build();
      const template = (write.route.split(" ")[1] ?? "").replace("/api/v1", "").split("/");
      template.forEach((segment, index) => {
        if (!segment.startsWith("{")) return;
        const parts = base.url.split("/");
        parts[index] = "abc%00def";
        pending.push(() =>
          probe(write.caller, { ...base, url: parts.join("/") }, `path ${segment}`),
        );
      });
      for (const run of pending.splice(0)) await run();
      for (const leaf of stringLeaves(base.payload)) {
        for (const [name, value] of HOSTILE) {
          const req = await write.build();
          await probe(
            write.caller,
            { ...req, payload: insertInto(req.payload, leaf, value) },
            `${name} in body.${leaf.join(".")} of ${write.route}`,
          );
        }
      }
      // Then the clean request, so the workflow moves on and the next step's strings get stored.
      await w.send(write.caller, await write.build());
    }
    expect(sent).toBeGreaterThan(150);
    expect(failures.join("\n"), `${failures.length} requests failed`).toBe("");
  }, 120_000);

  it("multipart uploads cut short answer 4xx within seconds and keep nothing", async () => {
    const b = "----rd-cut";
    const head = (field: string, name: string) =>
      `--${b}\r\nContent-Disposition: form-data; name="${field}"; filename="${name}"\r\n` +
      "Content-Type: text/plain\r\n\r\n";
    const whole = `${head("files", "a.txt")}hello\n\r\n`;
    const cases: [string, string][] = [
      ["no closing boundary", whole],
      ["cut inside the file", `${head("files", "a.txt")}hel`],
      ["cut inside the next part's headers", `${whole}--${b}\r\nContent-Disposition: form-da`],
      ["a second file without the closing boundary", `${whole}${head("files", "b.txt")}bye\n\r\n`],
      ["cut right after the first boundary", `--${b}\r\n`],
    ];
    const dir = join(w.t.deps.dataDir, "attachments");
    const files = async () => (await readdir(dir).catch(() => [] as string[])).sort();
    const before = await snapshotDatabase(w.t.deps.db);
    const filesBefore = await files();
    const outcomes: string[] = [];
    for (const [label, body] of cases) {
      const res = await Promise.race([
        w.send("clientA", {
          method: "POST",
          url: `/requests/${w.ids.requestA}/attachments`,
          payload: Buffer.from(body, "latin1"),
          headers: { "content-type": `multipart/form-data; boundary=${b}` },
        }),
        new Promise<null>((resolve) => setTimeout(() => resolve(null), 3_000)),
      ]);
      const type = String(res?.headers["content-type"] ?? "");
      const ok =
        res !== null &&
        res.statusCode >= 400 &&
        res.statusCode < 500 &&
        type.startsWith("application/problem+json");
      if (!ok)
        outcomes.push(
          `${label}: ${res === null ? "no answer in 3 s" : `${res.statusCode} ${res.body}`}`,
        );
    }
    expect(outcomes.join("\n")).toBe("");
    expect(snapshotDiff(before, await snapshotDatabase(w.t.deps.db))).toEqual({});
    expect(await files()).toEqual(filesBefore);
  }, 60_000);
});
