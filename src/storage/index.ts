// Attachment storage for the wiring (issue 21, ADR 0031): the settings from the environment and
// the stores they name.
//
//   ATTACHMENT_STORAGE   local | database | s3: where new uploads go. Default: `database` when
//                        DATABASE_URL is set (servers share nothing but the database), else `local`.
//   S3_BUCKET            the bucket (configures the s3 store; required for ATTACHMENT_STORAGE=s3)
//   S3_ENDPOINT          an S3-compatible endpoint (R2, MinIO, Ceph); AWS when unset
//   S3_REGION            the region (default AWS_REGION, else us-east-1)
//   S3_PREFIX            key prefix (default `attachments/`)
//   S3_SSE               server-side encryption: AES256 or aws:kms; S3_SSE_KMS_KEY_ID its key
//   S3_PRESIGNED_DOWNLOADS=1  downloads of s3 files redirect, after the access check, to a
//                        presigned URL valid for 60 seconds instead of passing through the server
//   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...  credentials, the AWS SDK's standard chain
//
// Every process can read rows of `local` (its DATA_DIR) and `database`; `s3` rows need S3_BUCKET.

import type { Kysely } from "kysely";
import {
  isStorageKind,
  STORAGE_KINDS,
  type AttachmentStorage,
  type AttachmentStore,
  type StorageKind,
} from "../app/attachments/store.js";
import type { Database } from "../db/schema.js";
import { DatabaseAttachmentStore } from "./database.js";
import { LocalAttachmentStore } from "./local.js";
import { S3AttachmentStore, type S3Settings } from "./s3.js";

export { DatabaseAttachmentStore, LocalAttachmentStore, S3AttachmentStore, type S3Settings };

export interface StorageSettings {
  readonly kind: StorageKind;
  readonly s3: S3Settings | null;
  readonly presignDownloads: boolean;
}

const SSE = ["AES256", "aws:kms", "aws:kms:dsse"] as const;

/** The storage settings from the environment; a bad value throws a RangeError naming it. */
export function storageSettingsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): StorageSettings {
  const get = (name: string) => {
    const v = env[name]?.trim();
    return v === undefined || v === "" ? undefined : v;
  };
  const raw = get("ATTACHMENT_STORAGE");
  if (raw !== undefined && !isStorageKind(raw)) {
    throw new RangeError(
      `ATTACHMENT_STORAGE must be one of ${STORAGE_KINDS.join(", ")}, got "${raw}"`,
    );
  }
  const kind: StorageKind = raw ?? (get("DATABASE_URL") === undefined ? "local" : "database");
  const bucket = get("S3_BUCKET");
  const sse = get("S3_SSE");
  if (sse !== undefined && !(SSE as readonly string[]).includes(sse)) {
    throw new RangeError(`S3_SSE must be one of ${SSE.join(", ")}, got "${sse}"`);
  }
  const s3: S3Settings | null =
    bucket === undefined
      ? null
      : {
          bucket,
          endpoint: get("S3_ENDPOINT"),
          region: get("S3_REGION") ?? get("AWS_REGION") ?? "us-east-1",
          prefix: get("S3_PREFIX") ?? "attachments/",
          sse: sse as S3Settings["sse"],
          sseKmsKeyId: get("S3_SSE_KMS_KEY_ID"),
        };
  if (kind === "s3" && s3 === null) {
    throw new RangeError("ATTACHMENT_STORAGE=s3 needs S3_BUCKET (and S3_ENDPOINT off AWS)");
  }
  const presign = get("S3_PRESIGNED_DOWNLOADS");
  if (presign !== undefined && presign !== "0" && presign !== "1") {
    throw new RangeError(`S3_PRESIGNED_DOWNLOADS must be 0 or 1, got "${presign}"`);
  }
  return { kind, s3, presignDownloads: presign === "1" };
}

/** The stores the settings name, with the one for new uploads; `close` ends the S3 client. */
export interface OpenedAttachmentStorage extends AttachmentStorage {
  /** Where new uploads go, in words (printed by `serve` at start). */
  readonly description: string;
  close(): void;
}

/** Opens the attachment stores of a process (no I/O until the first call). */
export function openAttachmentStorage(
  settings: StorageSettings,
  where: { readonly db: Kysely<Database>; readonly dataDir: string },
): OpenedAttachmentStorage {
  const local = new LocalAttachmentStore(where.dataDir);
  const database = new DatabaseAttachmentStore(where.db);
  const s3 = settings.s3 === null ? null : new S3AttachmentStore(settings.s3);
  const stores: AttachmentStore[] = s3 === null ? [local, database] : [local, database, s3];
  const description =
    settings.kind === "local"
      ? `local files under ${local.dir}`
      : settings.kind === "database"
        ? "in the database (chunks)"
        : `s3 bucket ${settings.s3!.bucket}` +
          (settings.s3!.endpoint === undefined ? "" : ` at ${settings.s3!.endpoint}`) +
          (settings.presignDownloads ? ", presigned downloads" : "");
  return {
    current: stores.find((s) => s.kind === settings.kind)!,
    stores,
    presignDownloads: settings.presignDownloads,
    description,
    close: () => s3?.close(),
  };
}

/** Storage from the environment in one call (the CLI's and the service's wiring). */
export function attachmentStorageFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  where: { readonly db: Kysely<Database>; readonly dataDir: string },
): OpenedAttachmentStorage {
  return openAttachmentStorage(storageSettingsFromEnv(env), where);
}

/** New uploads on local disk under `dataDir` (the local and database stores; no S3). */
export function localAttachmentStorage(
  db: Kysely<Database>,
  dataDir: string,
): OpenedAttachmentStorage {
  return openAttachmentStorage(
    { kind: "local", s3: null, presignDownloads: false },
    { db, dataDir },
  );
}
