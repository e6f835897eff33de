import { describe, expect, it } from "vitest";
import { sharedNothingCheck, serviceOptionsFromEnv } from "../service/start.js";
import { storageSettingsFromEnv } from "./index.js";

describe("ATTACHMENT_STORAGE and S3_* settings", () => {
  it("defaults to database with DATABASE_URL, else local", () => {
    expect(storageSettingsFromEnv({}).kind).toBe("local");
    expect(storageSettingsFromEnv({ DATABASE_URL: "postgresql://x/y" }).kind).toBe("database");
    expect(
      storageSettingsFromEnv({ DATABASE_URL: "postgresql://x/y", ATTACHMENT_STORAGE: "local" })
        .kind,
    ).toBe("local");
  });

  it("reads the S3 settings; s3 without a bucket, or a bad value, is refused naming it", () => {
    expect(
      storageSettingsFromEnv({
        ATTACHMENT_STORAGE: "s3",
        S3_BUCKET: "files",
        S3_ENDPOINT: "http://minio:9000",
        S3_SSE: "aws:kms",
        S3_SSE_KMS_KEY_ID: "key-1",
        AWS_REGION: "eu-central-1",
        S3_PRESIGNED_DOWNLOADS: "1",
      }),
    ).toEqual({
      kind: "s3",
      presignDownloads: true,
      s3: {
        bucket: "files",
        endpoint: "http://minio:9000",
        region: "eu-central-1",
        prefix: "attachments/",
        sse: "aws:kms",
        sseKmsKeyId: "key-1",
      },
    });
    expect(() => storageSettingsFromEnv({ ATTACHMENT_STORAGE: "s3" })).toThrow(/S3_BUCKET/);
    expect(() => storageSettingsFromEnv({ ATTACHMENT_STORAGE: "disk" })).toThrow(
      /ATTACHMENT_STORAGE must be one of local, database, s3/,
    );
    expect(() => storageSettingsFromEnv({ S3_BUCKET: "b", S3_SSE: "rot13" })).toThrow(/S3_SSE/);
    expect(() => storageSettingsFromEnv({ S3_PRESIGNED_DOWNLOADS: "yes" })).toThrow(
      /S3_PRESIGNED_DOWNLOADS/,
    );
  });
});

describe("production on PostgreSQL keeps nothing on a server's own disk", () => {
  const prod = { NODE_ENV: "production", DATABASE_URL: "postgresql://db/refunds" };

  it("refuses e-mail as files and local attachments", () => {
    expect(() => sharedNothingCheck(prod)).toThrow(/SMTP_URL is required/);
    expect(() => serviceOptionsFromEnv(prod)).toThrow(/SMTP_URL is required/);
    expect(() =>
      sharedNothingCheck({ ...prod, SMTP_URL: "smtp://mail:25", ATTACHMENT_STORAGE: "local" }),
    ).toThrow(/ATTACHMENT_STORAGE=local/);
    const ok = serviceOptionsFromEnv({ ...prod, SMTP_URL: "smtp://mail:25" });
    expect(ok.storage?.kind).toBe("database");
  });

  it("demo and development, and SQLite, may keep files on disk", () => {
    expect(() => sharedNothingCheck({ DATABASE_URL: "postgresql://db/refunds" })).not.toThrow();
    expect(() => sharedNothingCheck({ NODE_ENV: "production" })).not.toThrow();
    expect(serviceOptionsFromEnv({ NODE_ENV: "production" }).storage?.kind).toBe("local");
  });
});
