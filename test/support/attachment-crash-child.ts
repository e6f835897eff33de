// A process that dies between an attachment's object written and its row committed: it streams a
// file into the store (as an upload does), inserts the row in a transaction, prints the key and
// kills itself with SIGKILL before the commit. No cleanup code of ours runs.
//   node --import ./test/support/register-ts.js test/support/attachment-crash-child.ts \
//        '<OpenDatabaseOptions JSON>' '<StorageSettings JSON>' <dataDir> <requestId> <userId>

import { Readable } from "node:stream";
import { insertAttachment } from "../../src/app/attachments/repository.js";
import { stageFile } from "../../src/app/attachments/storage.js";
import { openDatabase, type OpenDatabaseOptions } from "../../src/db/connection.js";
import { openAttachmentStorage, type StorageSettings } from "../../src/storage/index.js";

const [optionsJson, settingsJson, dataDir, requestId, userId] = process.argv.slice(2);
if (!optionsJson || !settingsJson || !dataDir || !requestId || !userId) {
  throw new Error("usage: attachment-crash-child.ts OPTIONS SETTINGS DATA_DIR REQUEST USER");
}
const { db } = await openDatabase({
  ...(JSON.parse(optionsJson) as OpenDatabaseOptions),
  poolSize: 2,
});
const storage = openAttachmentStorage(JSON.parse(settingsJson) as StorageSettings, { db, dataDir });
const bytes = Buffer.from("%PDF-1.4\n" + "x".repeat(700_000) + "\n%%EOF\n", "latin1");
const staged = await stageFile(
  storage.current,
  Readable.from([bytes.subarray(0, 300_000), bytes.subarray(300_000)]),
  { maxFileBytes: 10_000_000, remainingRequestBytes: 10_000_000 },
  "files[0]",
);
await db.transaction().execute(async (trx) => {
  await insertAttachment(trx, {
    id: staged.key,
    request_id: requestId,
    uploaded_by: userId,
    original_name: "crash.pdf",
    stored_name: staged.key,
    content_type: "application/pdf",
    size_bytes: staged.size,
    sha256: staged.sha256,
    created_at: new Date().toISOString(),
    storage: storage.current.kind,
  });
  // Pipes are synchronous on Linux: the key is out before the process dies.
  process.stdout.write(`${staged.key}\n`);
  process.kill(process.pid, "SIGKILL");
  await new Promise(() => {});
});
