import { defineConfig } from "vitest/config";

// Browser tests (`npm run e2e`): Debian's Chromium through playwright-core against the real built
// server (dist/ and dist/web/) on a fresh database. Kept out of `npm test`, which needs no browser.
export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.ts"],
    globalSetup: ["e2e/support/global-setup.ts"],
    testTimeout: 180_000,
    hookTimeout: 90_000,
    // One browser and one server at a time: the CI machine has two cores.
    fileParallelism: false,
  },
});
