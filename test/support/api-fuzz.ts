// Generated and mutated API requests for the fuzz suite: routes and their schemas are read from
// the OpenAPI document, valid-ish values are made from each schema (with the world's real ids,
// amounts, currencies and instants where the field's name says what it holds), and mutations
// break them: missing or mistyped fields, junk values, huge and unicode strings, invalid JSON,
// wrong content types, hostile path ids and query strings, odd headers and credentials.

import { randomBytes } from "node:crypto";
import fc from "fast-check";

/** The part of JSON Schema the route schemas use. */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minProperties?: number;
  format?: string;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

export interface OpenApiDoc {
  paths: Record<string, Record<string, OpenApiOperation>>;
}
interface OpenApiOperation {
  parameters?: { in: string; name: string; required?: boolean; schema?: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

/** One operation of the API as the fuzzer sees it. */
export interface FuzzRoute {
  readonly method: string;
  /** OpenAPI path, e.g. `/api/v1/requests/{id}/approve`. */
  readonly path: string;
  readonly pathParams: readonly string[];
  readonly query: Readonly<Record<string, JsonSchema>>;
  readonly body: JsonSchema | undefined;
  readonly multipart: boolean;
}

/** Every operation under /api/ in the document. */
export function routesOf(doc: OpenApiDoc): FuzzRoute[] {
  const out: FuzzRoute[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    if (!path.startsWith("/api/")) continue;
    for (const [method, op] of Object.entries(ops)) {
      const params = op.parameters ?? [];
      const content = op.requestBody?.content ?? {};
      out.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === "path").map((p) => p.name),
        query: Object.fromEntries(
          params.filter((p) => p.in === "query").map((p) => [p.name, p.schema ?? {}]),
        ),
        body: content["application/json"]?.schema,
        multipart: content["multipart/form-data"] !== undefined,
      });
    }
  }
  return out;
}

/** Values the world holds, so generated requests reach real rows. */
export interface FuzzPools {
  /** Resource ids of every kind (orders, payments, requests, attachments, events, clients). */
  readonly ids: readonly string[];
  /** The same ids by kind, so a field or path segment naming a kind mostly gets one of those. */
  readonly byKind: Readonly<Record<IdKind, readonly string[]>>;
  /** User ids that are safe to change (nobody signs in as them during the fuzz). */
  readonly userIds: readonly string[];
  /** Token ids that are safe to revoke. */
  readonly tokenIds: readonly string[];
  readonly emails: readonly string[];
}

export type IdKind = "order" | "payment" | "event" | "request" | "attachment" | "client";

/** The kind of id a field name or the path segment before `{id}` stands for. */
export function idKindOf(nameOrSegment: string): IdKind | undefined {
  const m = /^(order|payment|event|request|attachment|client)/.exec(nameOrSegment);
  return m === null ? undefined : (m[1] as IdKind);
}

/** An id for a slot of `kind`: mostly one of that kind, sometimes any id, now and then junk. */
export function idFor(pools: FuzzPools, kind: IdKind | undefined): fc.Arbitrary<string> {
  const own = kind === undefined ? pools.ids : pools.byKind[kind];
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...(own.length > 0 ? own : pools.ids)) },
    { weight: 2, arbitrary: fc.constantFrom(...pools.ids) },
    { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 30 }) },
  );
}

// ---------------------------------------------------------------------------------------------
// Junk

/** Strings that break naive parsers: numbers in disguise, control and unicode, injections. */
export const NASTY_STRINGS: readonly string[] = [
  "",
  " ",
  "NaN",
  "Infinity",
  "-Infinity",
  "-1",
  "-0.00",
  "1e5",
  "1E-7",
  "0x10",
  "1,000.00",
  "1.000,00",
  "٣٤.٥٠",
  "１２.００",
  ".5",
  "5.",
  "+5.00",
  "12.345678901234567890",
  "00000000000000000001.00",
  "9".repeat(80),
  "9".repeat(30) + ".99",
  "-9".repeat(30),
  "\u0000",
  "\u0000abc",
  "\ud800",
  "\udfff\ud800",
  "😀",
  "👩🏽‍💻",
  "Ω≈ç√∫",
  "\u202eevil",
  "\r\n\r\n",
  "<script>alert(1)</script>",
  "' OR '1'='1",
  '" OR ""="',
  "1; DROP TABLE orders; --",
  "${jndi:ldap://x}",
  "{{7*7}}",
  "../../etc/passwd",
  "%00",
  "%",
  "true",
  "null",
  "undefined",
  "[]",
  "{}",
  "__proto__",
  "constructor",
  "toString",
  "2026-02-30T10:00:00Z",
  "2026-13-01T00:00:00Z",
  "2026-02-02T10:00:00",
  "2026-02-02",
  "+275760-09-13T00:00:00Z",
  "-000001-01-01T00:00:00Z",
  "9999-12-31T23:59:59.999999999Z",
  "0000-00-00T00:00:00Z",
];

/** A JSON value that is wrong for almost any field. */
export const junkValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      null,
      true,
      false,
      0,
      -0,
      -1,
      1.5,
      0.1,
      1e21,
      -1e21,
      Number.MAX_SAFE_INTEGER,
      2 ** 53 + 1,
      2 ** 31,
      -(2 ** 31) - 1,
      4800,
      4800.0,
      1e-7,
    ),
  },
  { weight: 3, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 2, arbitrary: fc.double() },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(300, 5_000, 100_000)
      .chain((n) => fc.constantFrom("x", "é", "😀", "9").map((ch) => ch.repeat(n))),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 50, max: 3_000 }).map((depth) => {
      let v: unknown = "deep";
      for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { a: v };
      return v;
    }),
  },
);

/** Path ids that try to escape, truncate or overflow. */
export const NASTY_IDS: readonly string[] = [
  "..",
  "../",
  "..%2F",
  "..%2F..%2Fpolicy",
  "%2e%2e%2f%2e%2e%2f",
  "..%5c..%5c",
  "%00",
  "abc%00def",
  "%",
  "%zz",
  "%E0%A4%A",
  "%C0%AE%C0%AE%2F",
  "%20",
  "%0d%0aSet-Cookie:%20x=1",
  "a".repeat(101),
  "a".repeat(201),
  "b".repeat(2_000),
  encodeURIComponent("é😀\u202e"),
  encodeURIComponent("' OR 1=1 --"),
  encodeURIComponent("1; DROP TABLE orders"),
  "null",
  "undefined",
  "__proto__",
  "constructor",
  "prototype",
  "0",
  "-1",
  "1e999",
  "*",
  "%2A",
  ";",
  "a;b=c",
  "%3F",
  "%23",
  "~",
];

// ---------------------------------------------------------------------------------------------
// Valid-ish values from schemas

const CURRENCIES = ["USD", "EUR", "JPY", "BTC", "ETH", "USDC", "GBP", "XXX", "usd", "BHD"];

const instant = fc
  .date({ min: new Date("2025-06-01T00:00:00Z"), max: new Date("2026-06-01T00:00:00Z") })
  .filter((d) => !Number.isNaN(d.getTime()))
  .chain((d) =>
    fc.constantFrom(
      d.toISOString(),
      d.toISOString().replace(".000Z", "Z"),
      d.toISOString().replace("Z", "+02:00"),
      d.toISOString().slice(0, 10),
    ),
  );

const decimal = fc.oneof(
  fc
    .tuple(fc.integer({ min: 0, max: 99_999 }), fc.integer({ min: 0, max: 99 }))
    .map(([a, b]) => `${a}.${String(b).padStart(2, "0")}`),
  fc.integer({ min: 0, max: 10_000 }).map(String),
  fc.constantFrom("0.05000000", "0.00000001", "4800.00", "1.00", "0.00", "1.5", "100"),
);

/** A generator for a field, chosen by its name where the name says what it holds. */
function hinted(name: string | undefined, pools: FuzzPools): fc.Arbitrary<unknown> | undefined {
  if (name === undefined) return undefined;
  if (name === "expectedVersion") return fc.integer({ min: 0, max: 8 });
  if (/^(id|.+Id)$/.test(name)) return idFor(pools, idKindOf(name));
  if (name === "amount") return decimal;
  if (name === "currency") return fc.constantFrom(...CURRENCIES);
  if (name === "email") {
    return fc.oneof(fc.constantFrom(...pools.emails), fc.emailAddress());
  }
  if (name === "password" || name === "currentPassword") {
    return fc.string({ minLength: 10, maxLength: 40 });
  }
  if (name === "dueFrom" || name === "dueTo") {
    return instant.map((s) => s.slice(0, 10));
  }
  if (/(At|By|From|To)$/.test(name) || ["from", "to", "periodStart", "periodEnd"].includes(name)) {
    return instant;
  }
  return undefined;
}

function typesOf(schema: JsonSchema): string[] {
  if (schema.enum !== undefined || schema.const !== undefined) return ["enum"];
  if (Array.isArray(schema.type)) return schema.type;
  if (typeof schema.type === "string") return [schema.type];
  if (schema.properties !== undefined) return ["object"];
  return ["string"];
}

/** A value that (mostly) satisfies `schema`. */
export function arbitraryFor(
  schema: JsonSchema,
  pools: FuzzPools,
  name?: string,
  depth = 0,
): fc.Arbitrary<unknown> {
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives !== undefined && alternatives.length > 0) {
    return fc.oneof(...alternatives.map((s) => arbitraryFor(s, pools, name, depth)));
  }
  const arbs = typesOf(schema).map((type) => {
    switch (type) {
      case "enum":
        return fc.constantFrom(...(schema.enum ?? [schema.const]));
      case "null":
        return fc.constant(null);
      case "boolean":
        return fc.boolean();
      case "integer":
        return (
          hinted(name, pools) ??
          fc.integer({ min: schema.minimum ?? -1000, max: Math.min(schema.maximum ?? 1000, 1e9) })
        );
      case "number":
        return fc.double({ noNaN: true, noDefaultInfinity: true });
      case "array": {
        const items = arbitraryFor(schema.items ?? {}, pools, undefined, depth + 1);
        const constraints = {
          minLength: schema.minItems ?? 0,
          maxLength: Math.min(schema.maxItems ?? 4, 4),
        };
        return schema.uniqueItems === true
          ? fc.uniqueArray(items, { ...constraints, selector: (v) => JSON.stringify(v) })
          : fc.array(items, constraints);
      }
      case "object": {
        if (depth > 4) return fc.constant({});
        const props = schema.properties ?? {};
        const record: Record<string, fc.Arbitrary<unknown>> = {};
        for (const [k, s] of Object.entries(props))
          record[k] = arbitraryFor(s, pools, k, depth + 1);
        return fc.record(record, {
          requiredKeys: (schema.required ?? []).filter((k) => k in props),
        });
      }
      default: {
        const hint = hinted(name, pools);
        if (hint !== undefined) return hint;
        if (schema.pattern !== undefined) return fc.stringMatching(new RegExp(schema.pattern));
        if (schema.format === "date-time") return instant;
        const min = schema.minLength ?? 0;
        return fc.string({
          minLength: min,
          maxLength: Math.max(min, Math.min(schema.maxLength ?? 40, 40)),
        });
      }
    }
  });
  // Nullable fields: null now and then, the value mostly.
  return arbs.length === 1 ? arbs[0]! : fc.oneof(...arbs);
}

// ---------------------------------------------------------------------------------------------
// Mutations of a JSON body

export type Mutation =
  | { readonly kind: "none" }
  | { readonly kind: "drop"; readonly pick: number }
  | { readonly kind: "set"; readonly pick: number; readonly value: unknown }
  | { readonly kind: "add"; readonly pick: number; readonly key: string; readonly value: unknown }
  | { readonly kind: "replace"; readonly value: unknown };

const EXTRA_KEYS = [
  "status",
  "amount",
  "clientId",
  "role",
  "refunded",
  "version",
  "decidedBy",
  "isAdmin",
  "__proto__",
  "constructor",
  "",
  " ",
  "😀",
  "a".repeat(300),
];

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ kind: "none" as const }) },
  { weight: 3, arbitrary: fc.nat().map((pick) => ({ kind: "drop" as const, pick })) },
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant("set" as const), pick: fc.nat(), value: junkValue }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("add" as const),
      pick: fc.nat(),
      key: fc.oneof(fc.constantFrom(...EXTRA_KEYS), fc.string({ maxLength: 12 })),
      value: junkValue,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("replace" as const), value: junkValue }),
  },
);

/** Every (container, key) pair inside a JSON value, depth first. */
function slots(value: unknown): { parent: Record<string, unknown> | unknown[]; key: string }[] {
  const out: { parent: Record<string, unknown> | unknown[]; key: string }[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) {
      v.forEach((item, i) => {
        out.push({ parent: v, key: String(i) });
        walk(item);
      });
    } else if (v !== null && typeof v === "object") {
      for (const [k, item] of Object.entries(v)) {
        out.push({ parent: v as Record<string, unknown>, key: k });
        walk(item);
      }
    }
  };
  walk(value);
  return out;
}

function containers(value: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === "object") {
      out.push(v as Record<string, unknown>);
      Object.values(v).forEach(walk);
    }
  };
  walk(value);
  return out;
}

/** Applies `m` to a copy of `value`. */
export function mutate(value: unknown, m: Mutation): unknown {
  if (m.kind === "none") return value;
  if (m.kind === "replace") return m.value;
  const copy: unknown = structuredClone(value);
  if (m.kind === "add") {
    const all = containers(copy);
    const target = all[m.pick % Math.max(all.length, 1)];
    if (target === undefined) return { [m.key]: m.value };
    // defineProperty, so "__proto__" becomes an own key (as a client's JSON would make it).
    Object.defineProperty(target, m.key, {
      value: m.value,
      enumerable: true,
      configurable: true,
      writable: true,
    });
    return copy;
  }
  const all = slots(copy);
  const slot = all[m.pick % Math.max(all.length, 1)];
  if (slot === undefined) return m.kind === "set" ? m.value : copy;
  if (m.kind === "drop") {
    if (Array.isArray(slot.parent)) slot.parent.splice(Number(slot.key), 1);
    else delete slot.parent[slot.key];
  } else if (Array.isArray(slot.parent)) {
    slot.parent[Number(slot.key)] = m.value;
  } else {
    slot.parent[slot.key] = m.value;
  }
  return copy;
}

// ---------------------------------------------------------------------------------------------
// Raw bodies, content types, query strings, headers

/** Body texts that are not the JSON they pretend to be. */
export const RAW_BODIES: readonly string[] = [
  "",
  "{",
  '{"a":',
  "[1,2",
  "{'a':1}",
  "{a:1}",
  '{"a":1,}',
  "{}garbage",
  "undefined",
  "NaN",
  "\uFEFF{}",
  "\u0000",
  "null",
  "[]",
  '"a string"',
  "42",
  "true",
  '{"amount": 1e999}',
  '{"orderId":"a","orderId":"b"}',
  '{"__proto__":{"isAdmin":true,"role":"admin"}}',
  '{"constructor":{"prototype":{"isAdmin":true}}}',
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
  '{"expectedVersion":1e400}',
  '{"expectedVersion":-0}',
  '{"expectedVersion":1.0}',
  '{"expectedVersion":"1"}',
  "[".repeat(20_000) + "]".repeat(20_000),
  '{"a":'.repeat(5_000) + "1" + "}".repeat(5_000),
  "a=1&b=2",
  "<xml><a>1</a></xml>",
  '--boundary\r\nContent-Disposition: form-data; name="files"\r\n\r\nx\r\n--boundary--',
];

export const CONTENT_TYPES: readonly (string | undefined)[] = [
  undefined,
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=utf-16",
  "application/json; charset=latin1",
  "APPLICATION/JSON",
  "application/problem+json",
  "application/vnd.api+json",
  "application/json-patch+json",
  "text/plain",
  "text/html",
  "application/x-www-form-urlencoded",
  "application/xml",
  "application/octet-stream",
  "multipart/form-data",
  "multipart/form-data; boundary=boundary",
  "multipart/mixed; boundary=boundary",
  "*/*",
  "",
  "application/",
  ";;;",
  "image/png",
];

/** Query strings beyond what the schemas allow. */
export const NASTY_QUERIES: readonly string[] = [
  "limit=-1",
  "limit=0",
  "limit=1e3",
  "limit=999999",
  "limit=1.5",
  "limit=%20",
  "limit[]=1",
  "limit=1&limit=2",
  "status=approved&status=denied",
  "status=APPROVED",
  "cursor=%00",
  "cursor=" + "A".repeat(5_000),
  "cursor=eyJhIjoxfQ",
  "cursor=WyIiLCIiXQ",
  "cursor=WzEsMl0",
  "__proto__[x]=1",
  "constructor[prototype][x]=1",
  "orderId=..%2F",
  "clientId=%00",
  "%zz=1",
  "a=%",
  "=",
  "&&&",
  "x=" + "é".repeat(100),
  "dueFrom=2026-02-30",
  "submittedFrom=yesterday",
  "submittedTo=2026-02-02T10:00:00",
  "dueTo=99999-01-01",
  "recommendedOutcome=refund&reason=other&status=submitted",
  "role=root",
];

/** Idempotency keys and other headers a client may send. */
export const header: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({}) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        () => randomBytes(8).toString("hex"),
        () => "x".repeat(256),
        () => "has space",
        () => "é",
        () => "",
        () => "\t",
      )
      .map((make) => ({ "idempotency-key": make() })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Record<string, string>>(
      { "x-request-id": "../../etc" },
      { "x-request-id": "a".repeat(500) },
      { accept: "application/xml" },
      { accept: "text/html;q=0.9, */*;q=0.1" },
      { "accept-encoding": "gzip, br" },
      { "x-forwarded-for": "1.2.3.4" },
      { "content-encoding": "gzip" },
      { "transfer-encoding": "chunked" },
      { "x-http-method-override": "DELETE" },
    ),
  },
);

/** A multipart body: valid files, lies about types, broken framing. */
export const multipartPayload: fc.Arbitrary<{ payload: Buffer; contentType: string }> = fc
  .record({
    files: fc.array(
      fc.record({
        field: fc.constantFrom("files", "file", "files", "other", "", "files[]"),
        name: fc.constantFrom(
          "note.txt",
          "scan.pdf",
          "photo.png",
          "photo.jpg",
          "data.csv",
          "../../evil.sh",
          "a\u0000b.txt",
          "😀.pdf",
          "",
          "x".repeat(300) + ".txt",
          "report.PDF",
          "noext",
        ),
        type: fc.constantFrom(
          "text/plain",
          "application/pdf",
          "image/png",
          "image/jpeg",
          "text/csv",
          "application/octet-stream",
          "text/html",
          "",
        ),
        content: fc.oneof(
          fc.constantFrom(
            "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer\n%%EOF\n",
            "\x89PNG\r\n\x1a\n" + "x".repeat(20),
            "\xff\xd8\xff\xe0" + "x".repeat(20),
            "a,b,c\n1,2,3\n",
            "just text\n",
            "",
            "<html><script>alert(1)</script></html>",
            "MZ\x90\x00",
          ),
          fc.string({ unit: "binary", maxLength: 200 }),
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString("latin1")),
        ),
      }),
      { maxLength: 7 },
    ),
    fields: fc.dictionary(
      fc.constantFrom("status", "description", "files", "x"),
      fc.string({ maxLength: 20 }),
      { maxKeys: 2 },
    ),
    framing: fc.constantFrom(
      "ok",
      "ok",
      "ok",
      "truncated",
      "no-boundary",
      "wrong-boundary",
      "no-end",
    ),
  })
  .map(({ files, fields, framing }) => {
    const boundary = `----rd-${randomBytes(6).toString("hex")}`;
    const chunks: Buffer[] = [];
    for (const [name, value] of Object.entries(fields)) {
      chunks.push(
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`),
        Buffer.from(`${value}\r\n`),
      );
    }
    for (const f of files) {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${f.field}"; filename="${f.name}"\r\n` +
            (f.type === "" ? "" : `Content-Type: ${f.type}\r\n`) +
            "\r\n",
          "latin1",
        ),
        Buffer.from(f.content, "latin1"),
        Buffer.from("\r\n"),
      );
    }
    if (framing !== "no-end") chunks.push(Buffer.from(`--${boundary}--\r\n`));
    let payload = Buffer.concat(chunks);
    if (framing === "truncated") payload = payload.subarray(0, Math.floor(payload.length / 2));
    const contentType =
      framing === "no-boundary"
        ? "multipart/form-data"
        : framing === "wrong-boundary"
          ? "multipart/form-data; boundary=not-the-one"
          : `multipart/form-data; boundary=${boundary}`;
    return { payload, contentType };
  });
