// The typed API client of the integration suites: openapi-fetch over the types openapi-typescript
// generates from the OpenAPI document (`npm run openapi` -> openapi/api.d.ts, never edited by
// hand). Calls go through `app.inject`, so no socket is opened; a route whose contract changes
// breaks the callers here at type-checking (`npm run check`).

import type { FastifyInstance } from "fastify";
import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "../../openapi/api.js";

export type ApiClient = Client<paths>;
export type Schemas = components["schemas"];

/** A fetch that hands the request to Fastify's inject. */
export function injectFetch(app: FastifyInstance): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const body = request.body === null ? undefined : Buffer.from(await request.arrayBuffer());
    const res = await app.inject({
      method: request.method as "GET",
      url: url.pathname + url.search,
      headers,
      ...(body === undefined ? {} : { payload: body }),
    });
    const out = new Headers();
    for (const [key, value] of Object.entries(res.headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [String(value)]) out.append(key, v);
    }
    const empty = res.statusCode === 204 || res.statusCode === 304 || res.rawPayload.length === 0;
    return new Response(empty ? null : res.rawPayload, { status: res.statusCode, headers: out });
  };
}

/** A client of `app` sending `headers` with every call (e.g. the test caller). */
export function apiClient(app: FastifyInstance, headers: Record<string, string> = {}): ApiClient {
  return createClient<paths>({
    baseUrl: "http://refund-desk.test",
    fetch: injectFetch(app),
    headers,
  });
}
