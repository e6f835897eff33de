// The contract check: a response of the API is checked against what the OpenAPI document says
// the operation answers with that status. An undocumented status, a body that does not validate
// against the documented schema, or a content type the document does not list is a violation.
// testServer (./http.ts) checks every response of the integration suites this way.

import { Ajv2020 } from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv";

type Json = Record<string, unknown>;

export interface ObservedResponse {
  readonly method: string;
  /** The route's path as Fastify declares it (`/api/v1/orders/:id`). */
  readonly route: string;
  readonly status: number;
  readonly contentType: string | undefined;
  /** The body as sent (text), or null for a stream or an empty body. */
  readonly body: string | null;
}

export interface ContractChecker {
  /** Null when the response matches the document (or its route is not documented at all). */
  check(response: ObservedResponse): string | null;
  /** How many responses were checked against a documented operation. */
  readonly checked: number;
}

/** `/api/v1/orders/:id` -> `/api/v1/orders/{id}`. */
export function openApiPath(route: string): string {
  return route.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

/** A checker over one document (as app.swagger() gives it). */
export function contractChecker(document: Json): ContractChecker {
  const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: false });
  ajv.addSchema(document, "openapi.json");
  const compiled = new Map<string, ValidateFunction>();
  const validatorFor = (pointer: string): ValidateFunction => {
    let fn = compiled.get(pointer);
    if (fn === undefined) {
      fn = ajv.compile({ $ref: `openapi.json#${pointer}` });
      compiled.set(pointer, fn);
    }
    return fn;
  };
  const paths = (document["paths"] ?? {}) as Record<string, Record<string, Json>>;
  let checked = 0;
  return {
    get checked() {
      return checked;
    },
    check(r) {
      const path = openApiPath(r.route);
      const item = paths[path];
      if (item === undefined) return null; // not a documented route (health, docs, test probes)
      // HEAD answers as GET does, without the body.
      const head = r.method === "HEAD";
      const method = head ? "get" : r.method.toLowerCase();
      const operation = item[method];
      const where = `${r.method} ${path} -> ${r.status}`;
      if (operation === undefined) return `${where}: the method is not documented`;
      // Routes without an operationId are not part of the published API (a suite's own probes);
      // the document test makes sure every route of the API has one.
      if (operation["operationId"] === undefined) return null;
      checked++;
      const responses = (operation["responses"] ?? {}) as Record<string, Json>;
      const response = responses[String(r.status)];
      if (response === undefined) {
        return `${where}: status not documented (documented: ${Object.keys(responses).join(", ")})`;
      }
      const content = response["content"] as Record<string, Json> | undefined;
      if (content === undefined) {
        return r.body === null || r.body === ""
          ? null
          : `${where}: a body where none is documented`;
      }
      if (head) return null;
      const type = (r.contentType ?? "").split(";")[0]!.trim().toLowerCase();
      const media = content[type];
      if (media === undefined) {
        return `${where}: content type "${type}" not documented (${Object.keys(content).join(", ")})`;
      }
      if (!type.includes("json")) return null; // a download: the bytes are the file
      if (r.body === null) return `${where}: no body`;
      let body: unknown;
      try {
        body = JSON.parse(r.body);
      } catch {
        return `${where}: the body is not JSON`;
      }
      const pointer = `/paths/${escape(path)}/${method}/responses/${r.status}/content/${escape(type)}/schema`;
      const validate = validatorFor(pointer);
      if (validate(body)) return null;
      const errors = (validate.errors ?? [])
        .slice(0, 3)
        .map((e) => `${e.instancePath || "(body)"} ${e.message ?? "invalid"}`)
        .join("; ");
      return `${where}: the body does not match the documented schema: ${errors}`;
    },
  };
}

/** JSON Pointer escaping of one segment. */
function escape(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}
