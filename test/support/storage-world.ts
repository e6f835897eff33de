// What the attachment-storage tests share (issue 21): one s3rver per test file with a key prefix
// per test (a sweep removes every object of its prefix its database does not name, so tests, like
// deployments, never share one), app deps over a test database, and a client with a request.

import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { createUser } from "../../src/app/auth/index.js";
import type { StorageKind } from "../../src/app/attachments/store.js";
import { createAppDeps, type AppDeps } from "../../src/app/context.js";
import { loadPolicyFile } from "../../src/policy-file/load.js";
import type { OpenedAttachmentStorage, StorageSettings } from "../../src/storage/index.js";
import type { TestDatabase } from "./database.js";
import { clientRow, orderRow, requestRow } from "./db-rows.js";
import { startTestS3, type TestS3 } from "./s3.js";

export const DAY = 24 * 60 * 60 * 1000;
export const PASSWORD = "shared storage passphrase 2026";
export const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

let s3: TestS3 | undefined;
let prefix = "";

/** Starts s3rver for the file and gives each test (and `newPrefix` caller) its own prefix. */
export function useTestS3(): { s3: () => TestS3; prefix: () => string; newPrefix: () => void } {
  beforeAll(async () => {
    s3 = await startTestS3();
  }, 60_000);
  afterAll(async () => {
    await s3?.close();
  });
  const newPrefix = () => {
    prefix = `t-${randomBytes(6).toString("hex")}/`;
  };
  beforeEach(newPrefix);
  return { s3: () => s3!, prefix: () => prefix, newPrefix };
}

/** Storage settings with `kind` current and the test's s3 prefix configured. */
export function settings(kind: StorageKind, presignDownloads = false): StorageSettings {
  return { kind, s3: { ...s3!.settings, prefix }, presignDownloads };
}

export function appDeps(db: TestDatabase, storage: OpenedAttachmentStorage): AppDeps {
  const policy = loadPolicyFile();
  if (!policy.ok) throw new Error(policy.error.message);
  return createAppDeps({
    db: db.db,
    dialect: db.dialect,
    policy: policy.value,
    clock: Date.now,
    dataDir: "/nonexistent",
    attachments: storage,
  });
}

/** Every key in the store, however young. */
export async function keysIn(
  storage: OpenedAttachmentStorage,
  kind: StorageKind,
): Promise<string[]> {
  const store = storage.stores.find((s) => s.kind === kind)!;
  const keys: string[] = [];
  for await (const page of store.listOlderThan(Date.now() + DAY)) keys.push(...page);
  return keys.sort();
}

/** A client with a user who can sign in (PASSWORD) and one open refund request. */
export async function clientWithRequest(db: TestDatabase, deps: AppDeps) {
  const client = clientRow();
  await db.db.insertInto("clients").values(client).execute();
  const email = `${client.id}@shared.test`;
  const user = await createUser(deps, "system", {
    email,
    name: "Sam Shared",
    role: "client",
    clientId: client.id,
    password: PASSWORD,
  });
  const order = orderRow(client.id);
  await db.db.insertInto("orders").values(order).execute();
  const request = requestRow(order);
  await db.db.insertInto("refund_requests").values(request).execute();
  return { email, userId: user.id, requestId: request.id };
}
