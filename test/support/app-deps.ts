// App deps over a test database, as the use-case tests that call the application layer directly
// need them: the shipped policy file, the given clock, and local attachment storage in a fresh
// temporary folder (nothing these tests write goes there unless they store attachments).

import { createAppDeps, type AppDeps } from "../../src/app/context.js";
import { loadPolicyFile } from "../../src/policy-file/load.js";
import { localAttachmentStorage } from "../../src/storage/index.js";
import { tempDir } from "./cli.js";
import type { TestDatabase } from "./database.js";

export function testAppDeps(db: TestDatabase, clock: () => number = Date.now): AppDeps {
  const policy = loadPolicyFile();
  if (!policy.ok) throw new Error(policy.error.message);
  const dataDir = tempDir();
  return createAppDeps({
    db: db.db,
    dialect: db.dialect,
    policy: policy.value,
    clock,
    dataDir,
    attachments: localAttachmentStorage(db.db, dataDir),
  });
}
