// The `s3` attachment store: objects in any S3-compatible store (AWS S3, R2, MinIO, Ceph) through
// @aws-sdk/client-s3, uploads streamed as multipart uploads by @aws-sdk/lib-storage (5 MiB parts,
// two in flight: at most ~10 MiB of a file in memory, whatever its size). A failed upload is
// aborted (its parts deleted) and its key deleted; an object whose row never came is swept after
// a day (ADR 0031). Credentials come from the standard AWS chain (AWS_ACCESS_KEY_ID /
// AWS_SECRET_ACCESS_KEY, a profile, an instance role), never from our settings. The SDK is
// loaded on first use, so processes without S3 (and the CLI's quick commands) never load it.

import type { S3Client, ServerSideEncryption } from "@aws-sdk/client-s3";
import type { Readable } from "node:stream";
import {
  AttachmentMissingError,
  type AttachmentStore,
  type PresignOptions,
  type StorageKind,
} from "../app/attachments/store.js";

export interface S3Settings {
  readonly bucket: string;
  /** S3_ENDPOINT: an S3-compatible endpoint (path-style addressing); AWS when absent. */
  readonly endpoint?: string | undefined;
  readonly region: string;
  /** Key prefix (S3_PREFIX, default `attachments/`). */
  readonly prefix: string;
  /** S3_SSE: `AES256` or `aws:kms` (S3_SSE_KMS_KEY_ID names the key); none when absent. */
  readonly sse?: ServerSideEncryption | undefined;
  readonly sseKmsKeyId?: string | undefined;
  /** Explicit credentials (tests); otherwise the AWS SDK's default chain. */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
}

const PART_BYTES = 5 * 1024 * 1024;

type Sdk = typeof import("@aws-sdk/client-s3");

export class S3AttachmentStore implements AttachmentStore {
  readonly kind: StorageKind = "s3";
  private loaded: Promise<{ sdk: Sdk; client: S3Client }> | null = null;
  private client: S3Client | null = null;

  constructor(private readonly settings: S3Settings) {}

  /** The SDK and the client, made on first use. */
  private sdk(): Promise<{ sdk: Sdk; client: S3Client }> {
    this.loaded ??= import("@aws-sdk/client-s3").then((sdk) => {
      const settings = this.settings;
      const client = new sdk.S3Client({
        region: settings.region,
        ...(settings.endpoint === undefined
          ? {}
          : { endpoint: settings.endpoint, forcePathStyle: true }),
        ...(settings.credentials === undefined ? {} : { credentials: settings.credentials }),
        // Checksums only where an operation requires one: what every S3-compatible store accepts.
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
      });
      this.client = client;
      return { sdk, client };
    });
    return this.loaded;
  }

  private objectKey(key: string): string {
    return `${this.settings.prefix}${key}`;
  }

  async put(key: string, source: Readable): Promise<void> {
    const { client } = await this.sdk();
    const { Upload } = await import("@aws-sdk/lib-storage");
    const upload = new Upload({
      client,
      queueSize: 2,
      partSize: PART_BYTES,
      leavePartsOnError: false,
      params: {
        Bucket: this.settings.bucket,
        Key: this.objectKey(key),
        Body: source,
        ...(this.settings.sse === undefined ? {} : { ServerSideEncryption: this.settings.sse }),
        ...(this.settings.sseKmsKeyId === undefined
          ? {}
          : { SSEKMSKeyId: this.settings.sseKmsKeyId }),
      },
    });
    try {
      await upload.done();
    } catch (err) {
      source.destroy();
      // A multipart upload is aborted by lib-storage; a single PUT may still have landed.
      await this.delete(key).catch(() => {});
      throw err;
    }
  }

  async open(key: string): Promise<Readable> {
    const { sdk, client } = await this.sdk();
    try {
      const res = await client.send(
        new sdk.GetObjectCommand({ Bucket: this.settings.bucket, Key: this.objectKey(key) }),
      );
      if (res.Body === undefined) throw new AttachmentMissingError(key);
      return res.Body as Readable;
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name === "NoSuchKey" || name === "NotFound") throw new AttachmentMissingError(key);
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    const { sdk, client } = await this.sdk();
    await client.send(
      new sdk.DeleteObjectCommand({ Bucket: this.settings.bucket, Key: this.objectKey(key) }),
    );
  }

  async *listOlderThan(before: number): AsyncIterable<readonly string[]> {
    const { sdk, client } = await this.sdk();
    let token: string | undefined;
    do {
      const res = await client.send(
        new sdk.ListObjectsV2Command({
          Bucket: this.settings.bucket,
          Prefix: this.settings.prefix,
          ...(token === undefined ? {} : { ContinuationToken: token }),
        }),
      );
      const keys = (res.Contents ?? [])
        .filter((o) => o.Key !== undefined && (o.LastModified?.getTime() ?? 0) < before)
        .map((o) => o.Key!.slice(this.settings.prefix.length))
        .filter((k) => k.length > 0 && !k.includes("/"));
      if (keys.length > 0) yield keys;
      token = res.IsTruncated === true ? res.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async presignedUrl(key: string, options: PresignOptions): Promise<string> {
    const { sdk, client } = await this.sdk();
    const { getSignedUrl } = await import("@aws-sdk/s3-request-presigner");
    return getSignedUrl(
      client,
      new sdk.GetObjectCommand({
        Bucket: this.settings.bucket,
        Key: this.objectKey(key),
        ResponseContentType: options.contentType,
        ResponseContentDisposition: options.contentDisposition,
        ResponseCacheControl: "private, no-store",
      }),
      { expiresIn: options.seconds },
    );
  }

  close(): void {
    this.client?.destroy();
  }
}
