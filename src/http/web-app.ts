// The web app (web/, built into dist/web) served by the API's own server: hashed files under
// /assets/ cached for a year as immutable, index.html never cached, and the SPA fallback: a GET
// for a page (Accept: text/html) that no route answers gets index.html, so bookmarked URLs work.
// /api/v1, /openapi.json, /docs, /health and /ready are never answered with the app.

import { existsSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { PACKAGE_ROOT } from "../package-root.js";

/** Where `npm run build:web` puts the app. */
export const DEFAULT_WEB_ROOT = join(PACKAGE_ROOT, "dist", "web");

/** The built web app's folder, or null when it was not built (the API runs without it). */
export function findWebRoot(root: string = DEFAULT_WEB_ROOT): string | null {
  return existsSync(join(root, "index.html")) ? root : null;
}

const NOT_THE_APP = /^\/(api(\/|$)|openapi\.json|docs(\/|$)|health$|ready$|assets\/)/;
const IMMUTABLE = "public, max-age=31536000, immutable";

/** Whether an unmatched request should get the app's index.html (the SPA fallback). */
export function wantsAppPage(request: FastifyRequest): boolean {
  if (request.method !== "GET" && request.method !== "HEAD") return false;
  const path = request.url.split("?")[0] ?? "/";
  if (NOT_THE_APP.test(path)) return false;
  const accept = request.headers.accept ?? "";
  return accept.includes("text/html");
}

/** Sends index.html, never cached (it names the current hashed files). */
export function sendAppPage(reply: FastifyReply): FastifyReply {
  reply.header("cache-control", "no-cache");
  return reply.sendFile("index.html");
}

/** Registers the app's routes on the server (public: the pages hold no data; the API decides). */
export async function installWebApp(app: FastifyInstance, root: string): Promise<void> {
  await app.register(fastifyStatic, { root, serve: false, cacheControl: false, etag: true });
  app.get("/", { config: { permission: "public" }, schema: { hide: true } }, (_request, reply) =>
    sendAppPage(reply),
  );
  app.get<{ Params: { "*": string } }>(
    "/assets/*",
    { config: { permission: "public" }, schema: { hide: true } },
    (request, reply) => {
      const file = join("assets", request.params["*"]);
      // A missing file answers the API's 404 problem, without the year-long cache header.
      if (!existsSync(join(root, file))) return reply.callNotFound();
      reply.header("cache-control", IMMUTABLE);
      return reply.sendFile(file);
    },
  );
}
