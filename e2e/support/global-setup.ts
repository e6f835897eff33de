// Starts the real server once for every story: `node dist/src/cli/main.js serve` on a free port,
// with a fresh SQLite database in a temporary DATA_DIR (so the demo company is seeded).
import type { TestProject } from "vitest/node";
import { startServer, type StartedServer } from "./server.js";

let server: StartedServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  server = await startServer();
  project.provide("baseUrl", server.url);
  project.provide("mailDir", server.mailDir);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    mailDir: string;
  }
}
