// A separate process that appends audit events to the database named by argv, one transaction
// each, as fast as it can: the concurrency test starts several at once.
//   node --import ./test/support/register-ts.js test/support/audit-append-child.ts \
//        '<OpenDatabaseOptions JSON>' <actor> <count>

import { appendAudit } from "../../src/db/audit.js";
import { openDatabase, type OpenDatabaseOptions } from "../../src/db/connection.js";

const [optionsJson, actor, countText] = process.argv.slice(2);
if (optionsJson === undefined || actor === undefined || countText === undefined) {
  throw new Error("usage: audit-append-child.ts OPTIONS_JSON ACTOR COUNT");
}
const options = JSON.parse(optionsJson) as OpenDatabaseOptions;
const { db, close } = await openDatabase({ ...options, poolSize: 2 });
try {
  for (let i = 0; i < Number(countText); i++) {
    await db.transaction().execute((trx) =>
      appendAudit(trx, {
        actor,
        action: "test.appended",
        entityType: "test",
        entityId: `${actor}-${i}`,
        summary: { i, pid: process.pid },
        ip: null,
        at: Date.now(),
      }),
    );
  }
} finally {
  await close();
}
