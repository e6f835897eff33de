import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts", "web/src/**/*.test.ts"],
    testTimeout: 30_000,
    // Set-up hooks start servers, migrate a fresh database and seed worlds: a second or two on a
    // quiet machine, past the default 10 s when the machine is loaded (seen on two shared cores).
    hookTimeout: 60_000,
  },
});
