// An S3-protocol server for tests: s3rver (an S3 implementation in Node, files under a temporary
// directory), one bucket, on a free port of 127.0.0.1. s3rver accepts the fixed credentials
// S3RVER / S3RVER and checks request signatures with them.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import type { S3Settings } from "../../src/storage/index.js";

export interface TestS3 {
  readonly endpoint: string;
  readonly bucket: string;
  /** Settings for S3AttachmentStore (explicit credentials). */
  readonly settings: S3Settings;
  /** The environment a spawned server needs (S3_* and AWS_* credentials). */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

export const S3_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export async function startTestS3(bucket = "attachments-test"): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), "refund-desk-s3-"));
  const server = new S3rver({
    port: 0,
    address: "127.0.0.1",
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const address = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${address.port}`;
  const settings: S3Settings = {
    bucket,
    endpoint,
    region: "us-east-1",
    prefix: "attachments/",
    credentials: S3_CREDENTIALS,
  };
  return {
    endpoint,
    bucket,
    settings,
    env: {
      S3_BUCKET: bucket,
      S3_ENDPOINT: endpoint,
      S3_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
    },
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
