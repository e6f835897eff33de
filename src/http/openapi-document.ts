// The OpenAPI document without a running service: the server built over a throw-away SQLite file
// (never listening), asked for `app.swagger()`. The web app's typed client is generated from it at
// build time (web/scripts/generate-api.mjs), so route changes reach the web app's types.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../db/connection.js";
import { loadPolicyFile } from "../policy-file/load.js";
import { ROUTES } from "./routes/index.js";
import { buildServer } from "./server.js";

/** The API's OpenAPI document, as `GET /openapi.json` serves it. */
export async function openApiDocument(): Promise<unknown> {
  const loaded = loadPolicyFile(undefined);
  if (!loaded.ok) throw new RangeError(`policy file: ${loaded.error.message}`);
  const dir = mkdtempSync(join(tmpdir(), "refund-desk-openapi-"));
  const opened = await openDatabase({ dataDir: dir });
  try {
    const app = await buildServer(
      {
        db: opened.db,
        dialect: opened.dialect,
        policy: loaded.value,
        clock: Date.now,
        dataDir: dir,
      },
      { logger: false, routes: ROUTES },
    );
    await app.ready();
    const doc = app.swagger();
    await app.close();
    return doc;
  } finally {
    await opened.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
