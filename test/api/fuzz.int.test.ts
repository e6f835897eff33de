// 5,000 generated and mutated requests against the whole API (fast-check through app.inject), on
// a seeded database so that real ids are hit, as every kind of caller (and with broken
// credentials). Routes, parameters and body schemas come from the OpenAPI document. For every
// response: an answer within 10 s; no 5xx; every 4xx is application/problem+json with its status
// in the body; no body carries a stack trace, a source path or SQL. Every violation is collected
// and reported, grouped, with the request that caused it.
//
// The seed is fixed (DEFAULT_SEED), so every run sends the same requests; it is printed at the
// start and with any failure. FUZZ_SEED=<n> runs another seed (or replays one),
// FUZZ_VERBOSE=1 prints the status counts and timing, FUZZ_DUMP=<file> (with FUZZ_VERBOSE) writes
// every violating request, payload in base64, for a standalone reproduction.

import { writeFileSync } from "node:fs";
import fc from "fast-check";
import type { InjectOptions, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CALLER_NAMES, seedWorld, type Caller, type World } from "../support/api-world.js";
import {
  arbitraryFor,
  idFor,
  idKindOf,
  CONTENT_TYPES,
  header,
  multipartPayload,
  mutate,
  mutation,
  NASTY_IDS,
  NASTY_QUERIES,
  RAW_BODIES,
  routesOf,
  junkValue,
  type FuzzPools,
  type FuzzRoute,
  type OpenApiDoc,
} from "../support/api-fuzz.js";

const BATCH = 10;
/** A request still unanswered after this long is a violation (a hung request ties up a socket). */
const ANSWER_WITHIN_MS = 10_000;
const RUNS = { valid: 250, mutated: 200, raw: 100 } as const; // x BATCH = 5,500 requests
/** The seed of every run unless FUZZ_SEED names another (a 32-bit integer). */
const DEFAULT_SEED = 20_261_206;
const SEED = fuzzSeed(process.env["FUZZ_SEED"]);

function fuzzSeed(text: string | undefined): number {
  if (text === undefined || text.trim() === "") return DEFAULT_SEED;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < -(2 ** 31) || n >= 2 ** 31) {
    throw new RangeError(`FUZZ_SEED must be a 32-bit integer, got "${text}"`);
  }
  return n;
}

/** A request as generated, before the caller's credentials are resolved. */
interface FuzzRequest {
  readonly method: string;
  /** Full URL (path and query), under /api/. */
  readonly url: string;
  readonly caller: string;
  readonly headers: Record<string, string>;
  readonly payload?: string | Buffer;
}

let w: World;
let routes: FuzzRoute[];
let pools: FuzzPools;
const callerVariants: Record<string, Caller> = {};
const violations: {
  kind: string;
  request: FuzzRequest;
  status: number;
  code: string;
  body: string;
}[] = [];
const harnessErrors: { request: FuzzRequest; error: string }[] = [];
const statusCounts = new Map<number, number>();
const routeHits = new Map<string, number>();
let sent = 0;

beforeAll(async () => {
  console.info(`fuzz seed ${SEED} (FUZZ_SEED=<n> runs another)`);
  w = await seedWorld();
  const doc = (await w.app.inject({ method: "GET", url: "/openapi.json" })).json<OpenApiDoc>();
  routes = routesOf(doc);
  const i = w.ids;
  pools = {
    ids: [
      i.orderA,
      i.orderA2,
      i.orderA3,
      i.orderB,
      i.paymentA,
      i.paymentA2,
      i.paymentB,
      i.eventA,
      i.eventB,
      i.requestA,
      i.requestA2,
      i.requestA3,
      i.requestB,
      i.attachmentA,
      i.attachmentB,
      i.clientA,
      i.clientB,
    ],
    byKind: {
      order: [i.orderA, i.orderA2, i.orderA3, i.orderB],
      payment: [i.paymentA, i.paymentA2, i.paymentA3, i.paymentB],
      event: [i.eventA, i.eventB],
      request: [i.requestA, i.requestA2, i.requestA3, i.requestB],
      attachment: [i.attachmentA, i.attachmentB],
      client: [i.clientA, i.clientB],
    },
    userIds: [i.spareUserA],
    tokenIds: [i.spareToken],
    emails: Object.values(w.emails),
  };
  for (const name of CALLER_NAMES) callerVariants[name] = w.callers[name];
  const a = w.callers.clientA;
  const admin = w.callers.admin;
  callerVariants["clientA-no-csrf"] = { ...a, headers: {} };
  callerVariants["admin-wrong-csrf"] = { ...admin, headers: { "x-csrf-token": "x".repeat(43) } };
  callerVariants["bogus-cookie"] = { ...a, cookies: { rd_session: "A".repeat(43) }, headers: {} };
  callerVariants["junk-cookie"] = { ...a, cookies: { rd_session: "%00;é" }, headers: {} };
  callerVariants["bogus-bearer"] = {
    ...a,
    cookies: {},
    headers: { authorization: `Bearer rdt_${"B".repeat(43)}` },
  };
  callerVariants["junk-bearer"] = { ...a, cookies: {}, headers: { authorization: "Bearer " } };
  callerVariants["basic-auth"] = {
    ...a,
    cookies: {},
    headers: { authorization: "Basic Zm9vOmJhcg==" },
  };
  callerVariants["cookie-and-bad-bearer"] = {
    ...admin,
    headers: { ...admin.headers, authorization: "Bearer nope" },
  };
}, 60_000);
afterAll(() => w.close());

/** Mostly the world's real callers; now and then broken credentials. */
const callerName = () =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...CALLER_NAMES) },
    { weight: 1, arbitrary: fc.constantFrom(...Object.keys(callerVariants)) },
  );

// ---------------------------------------------------------------------------------------------
// Checks

const MARKERS: readonly { name: string; test: (s: string) => boolean }[] = [
  { name: "stack frame", test: (s) => /\n\s+at /.test(s) || s.includes("\\n    at ") },
  { name: ".ts:", test: (s) => s.includes(".ts:") },
  { name: ".js:", test: (s) => /\.js:\d/.test(s) },
  { name: "node_modules", test: (s) => s.includes("node_modules") },
  { name: "SELECT", test: (s) => s.includes("SELECT ") || s.includes("select ") },
  { name: "INSERT", test: (s) => s.includes("INSERT ") || s.includes("insert into") },
  { name: "UPDATE", test: (s) => /\bUPDATE \w+ SET\b/i.test(s) },
  { name: "sqlite", test: (s) => /sqlite/i.test(s) },
  { name: "pg syntax error", test: (s) => s.includes("syntax error at or near") },
  { name: "pg relation", test: (s) => s.includes('relation "') },
  { name: "constraint", test: (s) => /violates|constraint failed|UNIQUE constraint/i.test(s) },
  { name: "kysely", test: (s) => /kysely/i.test(s) },
  { name: "source path", test: (s) => s.includes(process.cwd()) || s.includes("file://") },
];

function stringsOf(v: unknown, out: string[] = []): string[] {
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => stringsOf(x, out));
  else if (v !== null && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      out.push(k);
      stringsOf(x, out);
    }
  }
  return out;
}

function requestText(r: FuzzRequest): string {
  const payload = r.payload === undefined ? "" : Buffer.from(r.payload).toString("latin1");
  let decoded = r.url;
  try {
    decoded = decodeURIComponent(r.url);
  } catch {
    /* undecodable: the raw url is enough */
  }
  return `${r.url}\n${decoded}\n${payload}\n${JSON.stringify(r.headers)}`;
}

function errorCode(body: string): string {
  try {
    const parsed = JSON.parse(body) as { code?: unknown };
    return typeof parsed.code === "string" ? parsed.code : "-";
  } catch {
    return "not json";
  }
}

function check(r: FuzzRequest, res: LightMyRequestResponse): void {
  const flag = (kind: string) =>
    violations.push({
      kind,
      request: r,
      status: res.statusCode,
      code: errorCode(res.body),
      body: res.body.slice(0, 600),
    });
  statusCounts.set(res.statusCode, (statusCounts.get(res.statusCode) ?? 0) + 1);
  if (res.statusCode >= 500) flag("5xx");
  const type = String(res.headers["content-type"] ?? "");
  if (res.statusCode >= 400 && r.method !== "HEAD") {
    if (!type.startsWith("application/problem+json")) flag(`4xx as ${type || "no type"}`);
    else {
      try {
        const problem = JSON.parse(res.body) as { status?: unknown; type?: unknown };
        if (problem.status !== res.statusCode) flag("problem.status differs from the status");
        if (typeof problem.type !== "string") flag("problem without type");
      } catch {
        flag("problem+json that is not JSON");
      }
    }
  }
  // Downloads are the client's own bytes; everything else is ours and must not leak internals.
  if (
    type.startsWith("application/json") ||
    type.startsWith("application/problem+json") ||
    type.startsWith("text/")
  ) {
    let texts = [res.body];
    try {
      texts = texts.concat(stringsOf(JSON.parse(res.body)));
    } catch {
      /* not JSON: the raw body is checked */
    }
    const sentText = requestText(r);
    for (const m of MARKERS) {
      if (texts.some(m.test) && !m.test(sentText)) flag(`body contains ${m.name}`);
    }
  }
}

async function run(r: FuzzRequest): Promise<void> {
  const caller = callerVariants[r.caller];
  if (caller === undefined) throw new Error(`no caller ${r.caller}`);
  const opts: InjectOptions = {
    method: r.method as InjectOptions["method"],
    url: r.url,
    headers: { ...caller.headers, ...r.headers },
    cookies: caller.cookies,
    ...(r.payload === undefined ? {} : { payload: r.payload }),
  };
  sent++;
  let res: LightMyRequestResponse | "timeout";
  let timer: NodeJS.Timeout | undefined;
  try {
    res = await Promise.race([
      w.app.inject(opts),
      new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), ANSWER_WITHIN_MS);
      }),
    ]);
  } catch (err) {
    harnessErrors.push({ request: r, error: String(err) });
    return;
  } finally {
    clearTimeout(timer);
  }
  if (res === "timeout") {
    violations.push({ kind: "no answer", request: r, status: 0, code: "-", body: "" });
    return;
  }
  check(r, res);
}

// ---------------------------------------------------------------------------------------------
// Generators

function fillPath(route: FuzzRoute, values: Record<string, string>): string {
  return route.path.replace(/\{(\w+)\}/g, (_m, name: string) => values[name] ?? "x");
}

/** Real ids for a path parameter: users and tokens only the spare ones (safe to change). */
function idsFor(route: FuzzRoute, param: string): fc.Arbitrary<string> {
  if (route.path.startsWith("/api/v1/users/")) return fc.constantFrom(...pools.userIds);
  if (route.path.startsWith("/api/v1/tokens/")) return fc.constantFrom(...pools.tokenIds);
  // `{id}` is of the kind its segment names (`/orders/{id}`), `{eventId}` of its own.
  const segment = route.path.split(`/{${param}}`)[0]?.split("/").pop() ?? "";
  return idFor(pools, idKindOf(param === "id" ? segment : param));
}

function pathValues(route: FuzzRoute, nasty: boolean): fc.Arbitrary<Record<string, string>> {
  const rec: Record<string, fc.Arbitrary<string>> = {};
  for (const p of route.pathParams) {
    rec[p] = fc.oneof(
      { weight: nasty ? 3 : 9, arbitrary: idsFor(route, p).map(enc) },
      { weight: nasty ? 6 : 0, arbitrary: fc.constantFrom(...NASTY_IDS) },
    );
  }
  return fc.record(rec);
}

function queryString(route: FuzzRoute, nasty: boolean): fc.Arbitrary<string> {
  const names = Object.keys(route.query);
  const valid: fc.Arbitrary<string> =
    names.length === 0
      ? fc.constant("")
      : fc
          .record(
            Object.fromEntries(names.map((n) => [n, arbitraryFor(route.query[n]!, pools, n)])),
            { requiredKeys: [] },
          )
          .map((q) => new URLSearchParams(q as Record<string, string>).toString());
  if (!nasty) return valid;
  return fc.oneof(
    valid,
    fc.constantFrom(...NASTY_QUERIES),
    fc
      .tuple(fc.constantFrom(...(names.length > 0 ? names : ["x"])), junkValue)
      .map(([n, v]) => `${n}=${enc(typeof v === "string" ? v : (JSON.stringify(v) ?? ""))}`),
  );
}

/** encodeURIComponent that survives lone surrogates (a client's encoder would replace them). */
function enc(s: string): string {
  return encodeURIComponent(
    s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd"),
  );
}

const withQuery = (path: string, q: string) => (q === "" ? path : `${path}?${q}`);

function sessionSafe(r: FuzzRequest): FuzzRequest {
  // Signing out with a valid CSRF token would end a session the rest of the run relies on.
  if (r.method === "DELETE" && r.url.split("?")[0] === "/api/v1/session") {
    const safe = ["anonymous", "token", "bogus-cookie", "junk-cookie", "clientA-no-csrf"];
    if (!safe.includes(r.caller)) return { ...r, caller: "clientA-no-csrf" };
  }
  return r;
}

function jsonText(v: unknown): string {
  return JSON.stringify(v) ?? "null";
}

/** A request to `route` with schema-made values; with `nasty`, mutated and hostile. */
function requestFor(route: FuzzRoute, nasty: boolean): fc.Arbitrary<FuzzRequest> {
  const body: fc.Arbitrary<{ payload?: string | Buffer; headers: Record<string, string> }> =
    route.multipart
      ? multipartPayload.map((m) => ({
          payload: m.payload,
          headers: { "content-type": m.contentType },
        }))
      : route.body === undefined
        ? nasty
          ? fc.oneof(
              fc.constant({ headers: {} }),
              junkValue.map((v) => ({
                payload: jsonText(v),
                headers: { "content-type": "application/json" },
              })),
            )
          : fc.constant({ headers: {} })
        : fc
            .tuple(
              arbitraryFor(route.body, pools),
              nasty ? mutation : fc.constant({ kind: "none" as const }),
            )
            .map(([v, m]) => ({
              payload: jsonText(mutate(v, m)),
              headers: { "content-type": "application/json" },
            }));
  return fc
    .record({
      path: pathValues(route, nasty),
      query: queryString(route, nasty),
      body,
      extra: nasty ? header : fc.constant({}),
      caller: callerName(),
    })
    .map(({ path, query, body: b, extra, caller }) =>
      sessionSafe({
        method: route.method,
        url: withQuery(fillPath(route, path), query),
        caller,
        headers: { ...b.headers, ...extra },
        ...(b.payload === undefined ? {} : { payload: b.payload }),
      }),
    );
}

/** Raw junk: any route (or none), any method, bodies that are not what they claim. */
function rawRequest(): fc.Arbitrary<FuzzRequest> {
  const paths = fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .constantFrom(...routes)
        .chain((r) => pathValues(r, true).map((v) => fillPath(r, v))),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "/api/v1",
        "/api/v1/",
        "/api/v1/nope",
        "/api/v2/orders",
        "/api/v1/orders/x/y/z",
        "/api/v1//orders",
        "/api/v1/orders/",
        "/api/v1/requests/%2e%2e/policy",
        "/api/v1/../v1/policy",
        "/api/v1/./orders",
        "/api/v1/ORDERS",
        "/api/v1/orders;x=1",
        "/api/v1/orders%3Fx=1",
        "/api/v1/policy%00",
        "/api/%",
        "/api/v1/requests/a/attachments/../../../etc/passwd",
      ),
    },
  );
  const payload = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...RAW_BODIES) },
    { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
    { weight: 1, arbitrary: fc.constant("x".repeat(1024 * 1024 + 10)) },
    { weight: 2, arbitrary: multipartPayload.map((m) => m.payload) },
  );
  return fc
    .record({
      path: paths,
      query: fc.oneof(fc.constant(""), fc.constantFrom(...NASTY_QUERIES)),
      method: fc.constantFrom("GET", "POST", "POST", "PATCH", "PUT", "DELETE", "OPTIONS", "HEAD"),
      payload: fc.option(payload, { nil: undefined, freq: 5 }),
      type: fc.constantFrom(...CONTENT_TYPES),
      extra: header,
      caller: callerName(),
    })
    .map(({ path, query, method, payload: p, type, extra, caller }) => {
      const headers: Record<string, string> = { ...extra };
      if (type !== undefined) headers["content-type"] = type;
      const withBody = p !== undefined && method !== "GET" && method !== "HEAD";
      return sessionSafe({
        method,
        url: withQuery(path, query),
        caller,
        headers,
        ...(withBody ? { payload: p } : {}),
      });
    });
}

async function fuzz(arb: fc.Arbitrary<FuzzRequest>, numRuns: number, seed: number) {
  await fc.assert(
    fc.asyncProperty(fc.array(arb, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
      await Promise.all(
        batch.map((r) => {
          const key = `${r.method} ${r.url.split("?")[0]}`;
          routeHits.set(key, (routeHits.get(key) ?? 0) + 1);
          return run(r);
        }),
      );
    }),
    { numRuns, seed, endOnFailure: true },
  );
}

/** Violations grouped by what went wrong (kind, status, error code), one example each. */
function report(): string {
  const groups = new Map<string, (typeof violations)[number][]>();
  for (const v of violations) {
    const key = `${v.kind} | ${v.status} | ${v.code}`;
    groups.set(key, [...(groups.get(key) ?? []), v]);
  }
  const lines = [`seed ${SEED} (FUZZ_SEED=${SEED} to replay); ${violations.length} violations`];
  for (const [key, list] of [...groups].slice(0, 30)) {
    const v = list[0]!;
    const payload =
      v.request.payload === undefined
        ? ""
        : Buffer.from(v.request.payload).toString("latin1").slice(0, 300);
    lines.push(
      `- ${key} (x${list.length}; e.g. ${[...new Set(list.map((x) => x.request.method + " " + x.request.url.split("?")[0]!.slice(0, 60)))].slice(0, 3).join(", ")})`,
      `    ${v.request.method} ${v.request.url.slice(0, 300)} as ${v.request.caller}`,
      `    headers ${JSON.stringify(v.request.headers).slice(0, 300)}`,
      `    payload ${JSON.stringify(payload)}`,
      `    -> ${v.status} ${v.body.slice(0, 400)}`,
    );
  }
  return lines.join("\n");
}

describe("fuzzing the API from its schemas", () => {
  it("5,500 generated and mutated requests (more valid ones as the API grew): no 5xx, problem+json errors, no internals", async () => {
    expect(routes.length).toBeGreaterThanOrEqual(40);
    const started = Date.now();
    await fuzz(
      fc.constantFrom(...routes).chain((r) => requestFor(r, false)),
      RUNS.valid,
      SEED,
    );
    await fuzz(
      fc.constantFrom(...routes).chain((r) => requestFor(r, true)),
      RUNS.mutated,
      SEED + 1,
    );
    await fuzz(rawRequest(), RUNS.raw, SEED + 2);
    const seconds = (Date.now() - started) / 1000;
    if (process.env["FUZZ_VERBOSE"] !== undefined) {
      console.log(
        JSON.stringify({ seed: SEED, sent, seconds, statuses: Object.fromEntries(statusCounts) }),
      );
      console.log(report());
      if (process.env["FUZZ_DUMP"] !== undefined) {
        // Every violating request, payload in base64, for a standalone reproduction.
        const dump = violations.map((v) => ({
          ...v,
          request: {
            ...v.request,
            payload: Buffer.from(v.request.payload ?? "").toString("base64"),
          },
        }));
        writeFileSync(process.env["FUZZ_DUMP"], JSON.stringify(dump));
      }
    }

    expect(sent).toBe(5_500);
    expect(harnessErrors.slice(0, 5)).toEqual([]);
    expect(violations.length, report()).toBe(0);

    // The run reached the handlers, not only the validators: successes, refusals and misses.
    const count = (lo: number, hi: number) =>
      [...statusCounts].filter(([s]) => s >= lo && s < hi).reduce((n, [, c]) => n + c, 0);
    expect(count(200, 300), JSON.stringify([...statusCounts])).toBeGreaterThan(250);
    for (const s of [400, 401, 403, 404]) expect(statusCounts.get(s) ?? 0).toBeGreaterThan(20);
    // Every operation of the document was called a fair number of times.
    for (const r of routes) {
      const hits = [...routeHits]
        .filter(([k]) => {
          const [m, p] = k.split(" ");
          return (
            m === r.method && new RegExp(`^${r.path.replace(/\{\w+\}/g, "[^/]+")}$`).test(p ?? "")
          );
        })
        .reduce((n, [, c]) => n + c, 0);
      expect(hits, `${r.method} ${r.path}`).toBeGreaterThan(20);
    }
    expect(seconds).toBeGreaterThan(0);
  }, 300_000);
});
