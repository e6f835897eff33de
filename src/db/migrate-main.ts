// `npm run db:migrate`: applies pending migrations to the database the environment names
// (DATABASE_URL for PostgreSQL, else the SQLite file under DATA_DIR, default ./data).
// The `refund-desk db migrate` command can call `migrateDatabase` the same way.

import { migrateDatabase } from "./migrations/index.js";

try {
  const { dialect, applied } = await migrateDatabase({
    databaseUrl: process.env["DATABASE_URL"],
    dataDir: process.env["DATA_DIR"],
  });
  console.log(
    applied.length === 0 ? `${dialect}: up to date` : `${dialect}: applied ${applied.join(", ")}`,
  );
} catch (err) {
  // The message only: a connection error's stack may carry the URL (and its password).
  console.error(`migration failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
