// The published contract: every operation is documented in full (operationId, summary,
// description, tags, security, success and problem responses), every request body and success
// response has an example, and every example validates against its schema.

import { Ajv2020 } from "ajv/dist/2020.js";
import { beforeAll, describe, expect, it } from "vitest";
import { contractChecker } from "../../../test/support/contract.js";
import { buildOpenApiDocument } from "./dump.js";
import { ALL_COMPONENTS } from "./registry.js";

type Json = Record<string, unknown>;

let doc: Json;
const operations: { path: string; method: string; op: Json }[] = [];

beforeAll(async () => {
  doc = await buildOpenApiDocument();
  for (const [path, item] of Object.entries(doc["paths"] as Record<string, Json>)) {
    for (const [method, op] of Object.entries(item)) {
      operations.push({ path, method, op: op as Json });
    }
  }
});

function validator() {
  const ajv = new Ajv2020({ strict: false, validateFormats: false });
  ajv.addSchema(doc, "openapi.json");
  return (pointer: string, value: unknown): string | null => {
    const validate = ajv.compile({ $ref: `openapi.json#${pointer}` });
    return validate(value) ? null : ajv.errorsText(validate.errors);
  };
}

const escape = (s: string) => s.replace(/~/g, "~0").replace(/\//g, "~1");

/** The examples of a media type: its own, or those of the component its schema refers to. */
function examplesOf(media: Json): unknown[] {
  if ("example" in media) return [media["example"]];
  if (media["examples"] !== undefined) {
    return Object.values(media["examples"] as Record<string, { value: unknown }>).map(
      (e) => e.value,
    );
  }
  const schema = media["schema"] as Json;
  const ref = schema["$ref"];
  if (typeof ref === "string") {
    const name = ref.split("/").pop()!;
    const component = (doc["components"] as { schemas: Record<string, Json> }).schemas[name];
    return (component?.["examples"] as unknown[] | undefined) ?? [];
  }
  return (schema["examples"] as unknown[] | undefined) ?? [];
}

describe("the OpenAPI document", () => {
  it("has info, license, contact, servers, a guide and the webhooks", () => {
    const info = doc["info"] as Json;
    expect(doc["openapi"]).toBe("3.1.0");
    expect(info["license"]).toMatchObject({ name: expect.any(String) });
    expect(info["contact"]).toMatchObject({ email: expect.any(String) });
    for (const heading of [
      "## Signing in, CSRF",
      "## API tokens and scopes",
      "## Idempotency",
      "## Pagination",
      "## Errors",
      "## Webhooks",
    ]) {
      expect(info["description"]).toContain(heading);
    }
    expect((doc["servers"] as unknown[]).length).toBeGreaterThan(0);
    expect(Object.keys(doc["webhooks"] as Json)).toContain("refund_sent");
  });

  it("publishes every registered component under its own name, once", () => {
    const names = Object.keys((doc["components"] as { schemas: Json }).schemas);
    for (const c of ALL_COMPONENTS) expect(names).toContain(c.$id);
    expect(names.filter((n) => n.startsWith("def-"))).toEqual([]);
  });

  it("documents every operation: verb-noun operationId, summary, description, tags, security", () => {
    expect(operations.length).toBeGreaterThanOrEqual(54);
    const ids = new Set<string>();
    for (const { path, method, op } of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(op["operationId"], where).toMatch(/^[a-z]+[A-Z][A-Za-z]+$/);
      expect(ids.has(op["operationId"] as string), `${where}: duplicate operationId`).toBe(false);
      ids.add(op["operationId"] as string);
      expect(op["summary"], where).toEqual(expect.any(String));
      expect((op["description"] as string | undefined)?.length ?? 0, where).toBeGreaterThan(20);
      expect((op["tags"] as string[]).length, where).toBeGreaterThan(0);
      expect(Array.isArray(op["security"]), where).toBe(true);
      const responses = op["responses"] as Record<string, Json>;
      expect(
        Object.keys(responses).some((s) => s.startsWith("2")),
        where,
      ).toBe(true);
      expect(responses["200"]?.["description"], where).not.toBe("Default Response");
      for (const [status, response] of Object.entries(responses)) {
        if (!status.startsWith("4")) continue;
        expect(Object.keys(response["content"] as Json), `${where} ${status}`).toEqual([
          "application/problem+json",
        ]);
      }
    }
  });

  it("applies the security schemes: session (+ CSRF on writes) and the token's scope", () => {
    const byId = (id: string) => operations.find((o) => o.op["operationId"] === id)!.op;
    expect(byId("createOrder")["security"]).toEqual([
      { session: [], csrf: [] },
      { token: ["orders:write"] },
    ]);
    expect(byId("getOrder")["security"]).toEqual([{ session: [] }, { token: ["orders:read"] }]);
    expect(byId("approvePayout")["security"]).toEqual([{ session: [], csrf: [] }]);
    expect(byId("signIn")["security"]).toEqual([]);
    const schemes = (doc["components"] as { securitySchemes: Json }).securitySchemes;
    expect(Object.keys(schemes).sort()).toEqual(["csrf", "session", "token"]);
  });

  it("describes Idempotency-Key, Idempotent-Replayed, Retry-After and the 409 on a stale version", () => {
    const byId = (id: string) => operations.find((o) => o.op["operationId"] === id)!.op;
    const create = byId("createOrder");
    const params = create["parameters"] as Json[];
    expect(params.find((p) => p["name"] === "idempotency-key")).toMatchObject({ in: "header" });
    const created = (create["responses"] as Record<string, Json>)["201"]!;
    expect(Object.keys(created["headers"] as Json)).toEqual(["Location", "Idempotent-Replayed"]);
    const signIn = byId("signIn")["responses"] as Record<string, Json>;
    expect(Object.keys(signIn["429"]!["headers"] as Json)).toEqual(["Retry-After"]);
    const approve = byId("approveRequest")["responses"] as Record<string, Json>;
    expect(approve["409"]!["description"]).toContain("version_conflict");
  });

  it("gives every request body and JSON success response an example that validates", () => {
    const check = validator();
    for (const { path, method, op } of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      const media: [string, Json][] = [];
      const body = op["requestBody"] as { content: Record<string, Json> } | undefined;
      for (const [type, m] of Object.entries(body?.content ?? {})) {
        media.push([`/paths/${escape(path)}/${method}/requestBody/content/${escape(type)}`, m]);
      }
      for (const [status, r] of Object.entries(op["responses"] as Record<string, Json>)) {
        if (!status.startsWith("2")) continue;
        for (const [type, m] of Object.entries((r["content"] ?? {}) as Record<string, Json>)) {
          if (!type.includes("json")) continue;
          const pointer = `/paths/${escape(path)}/${method}/responses/${status}/content/${escape(type)}`;
          media.push([pointer, m]);
        }
      }
      for (const [pointer, m] of media) {
        const examples = examplesOf(m);
        expect(examples.length, `${where}: no example at ${pointer}`).toBeGreaterThan(0);
        for (const example of examples) {
          expect(check(`${pointer}/schema`, example), `${where} ${pointer}`).toBeNull();
        }
      }
    }
  });

  it("answers every list as a Page that pages: items, a required nextCursor, limit and cursor", () => {
    const components = (doc["components"] as Json)["schemas"] as Record<string, Json>;
    const resolve = (schema: Json): Json => {
      const ref = schema["$ref"];
      return typeof ref === "string" ? (components[ref.split("/").pop()!] ?? {}) : schema;
    };
    const lists: string[] = [];
    for (const { path, method, op } of operations) {
      if (method !== "get") continue;
      const ok = (op["responses"] as Json)["200"] as Json | undefined;
      const media = (ok?.["content"] as Record<string, Json> | undefined)?.["application/json"];
      if (media === undefined) continue;
      const schema = resolve(media["schema"] as Json);
      const items = (schema["properties"] as Record<string, Json> | undefined)?.["items"];
      if (items?.["type"] !== "array") continue;
      lists.push(`${method} ${path}`);
      expect(schema["required"], path).toEqual(expect.arrayContaining(["items", "nextCursor"]));
      const nextCursor = (schema["properties"] as Record<string, Json>)["nextCursor"] as Json;
      expect(nextCursor["type"], path).toEqual(["string", "null"]);
      const query = ((op["parameters"] ?? []) as Json[])
        .filter((p) => p["in"] === "query")
        .map((p) => p["name"]);
      expect(query, path).toEqual(expect.arrayContaining(["limit", "cursor"]));
    }
    // The lists under a resource are among them (a list that answered whole would be missed).
    expect(lists).toEqual(
      expect.arrayContaining([
        "get /api/v1/orders/{id}/payments",
        "get /api/v1/orders/{id}/events",
        "get /api/v1/requests/{id}/messages",
        "get /api/v1/requests/{id}/decisions",
        "get /api/v1/requests/{id}/attachments",
        "get /api/v1/requests/{id}/timeline",
        "get /api/v1/sessions",
      ]),
    );
  });

  it("checks every component's own examples against the component", () => {
    const check = validator();
    let count = 0;
    for (const c of ALL_COMPONENTS) {
      for (const example of (c["examples"] as unknown[] | undefined) ?? []) {
        expect(check(`/components/schemas/${c.$id}`, example), c.$id).toBeNull();
        count++;
      }
    }
    expect(count).toBeGreaterThanOrEqual(ALL_COMPONENTS.length - 1);
  });
});

describe("the contract checker", () => {
  it("refuses an undocumented status, a body off the schema and an undocumented content type", () => {
    const checker = contractChecker(doc);
    const base = { method: "GET", route: "/api/v1/orders/:id" } as const;
    const order = (ALL_COMPONENTS.find((c) => c.$id === "Order")!["examples"] as unknown[])[0];
    expect(
      checker.check({
        ...base,
        status: 200,
        contentType: "application/json",
        body: JSON.stringify(order),
      }),
    ).toBeNull();
    expect(
      checker.check({ ...base, status: 418, contentType: "application/json", body: "{}" }),
    ).toMatch(/status not documented/);
    expect(
      checker.check({
        ...base,
        status: 200,
        contentType: "application/json",
        body: JSON.stringify({ ...(order as Json), price: 12 }),
      }),
    ).toMatch(/does not match/);
    expect(
      checker.check({
        ...base,
        status: 404,
        contentType: "application/json",
        body: JSON.stringify({ status: 404 }),
      }),
    ).toMatch(/content type "application\/json" not documented/);
    expect(
      checker.check({ ...base, route: "/health", status: 200, contentType: "x", body: "" }),
    ).toBeNull();
  });
});
