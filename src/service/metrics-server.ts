// METRICS_PORT: /metrics on a port of its own, bound to 127.0.0.1 and without a token, for a
// Prometheus (or an agent) on the same host; the only way to scrape a `refund-desk worker`, which
// has no HTTP server. Anything but GET /metrics answers 404.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { AppDeps } from "../app/context.js";
import { scrapeMetrics } from "../app/metrics/scrape-metrics.js";

export interface MetricsServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:`port` (0: any free port) and serves the deps' metrics. */
export async function startMetricsServer(deps: AppDeps, port: number): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (req.method !== "GET" || path !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    scrapeMetrics(deps).then(
      (m) => res.writeHead(200, { "content-type": m.contentType }).end(m.body),
      (e: unknown) => {
        deps.logger.error({ err: e }, "metrics scrape failed");
        res.writeHead(500, { "content-type": "text/plain" }).end("scrape failed\n");
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** METRICS_PORT as a port number, or undefined when unset. */
export function metricsPortFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const v = env["METRICS_PORT"]?.trim();
  if (v === undefined || v === "") return undefined;
  const port = Number(v);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`METRICS_PORT must be a port number, got "${v}"`);
  }
  return port;
}
