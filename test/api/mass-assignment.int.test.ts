// Mass assignment: on every write route that takes a body, a field the route does not declare
// (status, amount, clientId, role, refunded, refundedMinor, version, decidedBy), at the top level
// and inside each nested object, answers 400 naming the field, and no row of any table changes.
// Each body is otherwise valid and sent by a caller allowed to use the route: the same request
// without the extra field is then accepted (checked last), so the 400 is the field's doing.

import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeRoutes, type WriteRoute } from "../support/api-bodies.js";
import { multipartBody, seedWorld, textUpload, type World } from "../support/api-world.js";
import { snapshotDatabase, snapshotDiff } from "../support/db-snapshot.js";

let w: World;

beforeAll(async () => {
  w = await seedWorld();
}, 60_000);
afterAll(() => w.close());

/** The smuggled fields and a tempting value for each. */
function smuggled(): Record<string, unknown> {
  return {
    status: "approved",
    amount: { amount: "999999.00", currency: "USD" },
    clientId: w.ids.clientB,
    role: "admin",
    refunded: { amount: "4800.00", currency: "USD" },
    refundedMinor: "480000",
    version: 42,
    decidedBy: w.ids.qa,
  };
}

const get = async (url: string) => (await w.send("admin", { method: "GET", url })).json();

const ROUTES: readonly WriteRoute[] = writeRoutes(() => w);

interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
}
interface OpenApi {
  components?: { schemas?: Record<string, Schema> };
  paths: Record<
    string,
    Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> } }>
  >;
}

let openapi: OpenApi;
async function bodySchema(route: string): Promise<Schema> {
  openapi ??= (await w.app.inject({ method: "GET", url: "/openapi.json" })).json<OpenApi>();
  const [method = "", path = ""] = route.split(" ");
  const schema =
    openapi.paths[path]?.[method.toLowerCase()]?.requestBody?.content?.["application/json"]?.schema;
  if (schema === undefined) throw new Error(`no JSON body schema for ${route}`);
  return resolve(schema);
}

/** The schema a `$ref` to a shared component (`#/components/schemas/Name`) stands for. */
function resolve(schema: Schema): Schema {
  if (schema.$ref === undefined) return schema;
  const name = schema.$ref.replace(/^#\/components\/schemas\//, "");
  const target = openapi.components?.schemas?.[name];
  if (target === undefined) throw new Error(`unresolved schema reference ${schema.$ref}`);
  return resolve(target);
}

/** Each (path in the body, field) to smuggle: top level, and inside every object sent. */
function targets(body: Record<string, unknown>, schema: Schema): { at: string[]; field: string }[] {
  const out: { at: string[]; field: string }[] = [];
  const walk = (value: Record<string, unknown>, s: Schema, at: string[]) => {
    s = resolve(s);
    const declared = new Set(Object.keys(s.properties ?? {}));
    for (const field of Object.keys(smuggled())) {
      if (!declared.has(field)) out.push({ at, field });
    }
    for (const [k, v] of Object.entries(value)) {
      const sub = s.properties?.[k];
      if (sub !== undefined && v !== null && typeof v === "object" && !Array.isArray(v)) {
        walk(v as Record<string, unknown>, sub, [...at, k]);
      }
    }
  };
  walk(body, schema, []);
  return out;
}

function withField(
  body: Record<string, unknown>,
  at: readonly string[],
  field: string,
): Record<string, unknown> {
  const copy = structuredClone(body);
  let node = copy;
  for (const k of at) node = node[k] as Record<string, unknown>;
  node[field] = smuggled()[field];
  return copy;
}

function expectNamed(res: LightMyRequestResponse, path: string): void {
  const what = `${res.statusCode} ${res.body.slice(0, 400)}`;
  expect(res.statusCode, what).toBe(400);
  expect(res.headers["content-type"], what).toMatch(/^application\/problem\+json/);
  const problem = res.json<{ detail: string; errors?: { path: string }[] }>();
  expect(
    problem.errors?.map((e) => e.path),
    what,
  ).toContain(path);
  expect(problem.detail, what).toContain(path);
}

describe("mass assignment", () => {
  it("covers every route that takes a JSON body", async () => {
    openapi ??= (await w.app.inject({ method: "GET", url: "/openapi.json" })).json<OpenApi>();
    const withBody: string[] = [];
    for (const [path, ops] of Object.entries(openapi.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (op.requestBody?.content?.["application/json"] !== undefined) {
          withBody.push(`${method.toUpperCase()} ${path}`);
        }
      }
    }
    expect(withBody.length).toBeGreaterThan(15);
    expect(withBody.filter((r) => !ROUTES.some((x) => x.route === r))).toEqual([]);
  });

  for (const route of ROUTES) {
    it(`${route.route}: every smuggled field is refused, nothing changes`, async () => {
      const schema = await bodySchema(route.route);
      const base = await route.build();
      const body = base.payload as Record<string, unknown>;
      const cases = targets(body, schema);
      expect(cases.length).toBeGreaterThanOrEqual(5);

      const before = await snapshotDatabase(w.t.deps.db);
      for (const { at, field } of cases) {
        const res = await w.send(route.caller, {
          ...base,
          payload: withField(body, at, field),
        });
        expectNamed(res, ["body", ...at, field].join("."));
      }
      // Every undeclared top-level field in one body, too.
      const all = structuredClone(body);
      for (const [k, v] of Object.entries(smuggled())) {
        if (!(k in (schema.properties ?? {}))) all[k] = v;
      }
      const together = await w.send(route.caller, { ...base, payload: all });
      expect(together.statusCode, together.body).toBe(400);
      expect(snapshotDiff(before, await snapshotDatabase(w.t.deps.db))).toEqual({});

      // Without the extra field the same caller gets through (2xx, or 409 from the workflow).
      const control = await w.send(route.caller, await route.build());
      expect([200, 201, 202, 204, 409], `${control.statusCode} ${control.body}`).toContain(
        control.statusCode,
      );
    });
  }

  it("POST /requests/{id}/attachments: a form field beside the files is refused, nothing kept", async () => {
    const dir = join(w.t.deps.dataDir, "attachments");
    const files = async () => (await readdir(dir).catch(() => [] as string[])).sort();
    const before = await snapshotDatabase(w.t.deps.db);
    const filesBefore = await files();
    for (const [field, value] of Object.entries(smuggled())) {
      const body = multipartBody(
        [{ name: "note.txt", content: "Invoice attached.\n", type: "text/plain" }],
        { [field]: JSON.stringify(value) },
      );
      const res = await w.send("clientA", {
        method: "POST",
        url: `/requests/${w.ids.requestA}/attachments`,
        payload: body.payload,
        headers: body.headers,
      });
      expectNamed(res, `body.${field}`);
    }
    expect(snapshotDiff(before, await snapshotDatabase(w.t.deps.db))).toEqual({});
    expect(await files()).toEqual(filesBefore);

    const body = textUpload();
    const control = await w.send("clientA", {
      method: "POST",
      url: `/requests/${w.ids.requestA}/attachments`,
      payload: body.payload,
      headers: body.headers,
    });
    expect(control.statusCode, control.body).toBe(201);
  });

  it("the request walked through its states: the controls were real changes", async () => {
    const r = await get(`/requests/${w.ids.requestA3}`);
    const decisions = await get(`/requests/${w.ids.requestA3}/decisions`);
    expect(r.status).toBe("approved");
    // Sorted: the test clock stands still, so both decisions carry the same time.
    expect((decisions.items as { kind: string }[]).map((d) => d.kind).sort()).toEqual([
      "approve",
      "offer_alternative",
    ]);
  });
});
