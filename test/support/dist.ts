// Tests that start real processes run the BUILT code (dist/), as production does: fast to start,
// and the same files `npm start` runs. `npm test` builds first (pretest); a test run alone
// rebuilds a missing or stale dist here.

import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const DIST = join(ROOT, "dist");

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")) {
      newest = Math.max(newest, statSync(p).mtimeMs);
    }
  }
  return newest;
}

/** Builds dist/ unless it is newer than every source file. */
export function ensureDist(): void {
  const marker = join(DIST, "src", "cli", "main.js");
  if (!existsSync(marker) || statSync(marker).mtimeMs < newestSource(join(ROOT, "src"))) {
    const r = spawnSync("npx", ["tsc", "-p", "tsconfig.build.json"], {
      cwd: ROOT,
      stdio: "ignore",
    });
    if (r.status !== 0) throw new Error("npx tsc -p tsconfig.build.json failed");
  }
}
