// The `local` attachment store: files under `${dataDir}/attachments`, named by their key. A file
// is written as `tmp-<random>` and renamed to its key once complete, so a key never names half a
// file; a crash leaves a `tmp-` file the sweep removes a day later (ADR 0031). One machine's disk:
// the default on SQLite; with DATABASE_URL and several servers use `database` or `s3`.

import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  AttachmentMissingError,
  type AttachmentStore,
  type StorageKind,
} from "../app/attachments/store.js";

const KEY = /^(?:[a-z0-9]+_[0-9a-f-]{36}|tmp-[0-9a-f]{32})$/;
const PAGE = 500;

export class LocalAttachmentStore implements AttachmentStore {
  readonly kind: StorageKind = "local";
  /** The directory holding the files. */
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, "attachments");
  }

  /** The file of `key`; refuses anything that is not a server-made key. */
  pathOf(key: string): string {
    if (!KEY.test(key)) throw new Error(`not a stored attachment name: ${key}`);
    return join(this.dir, key);
  }

  async put(key: string, source: Readable): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `tmp-${randomBytes(16).toString("hex")}`);
    try {
      await pipeline(source, createWriteStream(tmp, { flags: "wx", mode: 0o600 }));
      await rename(tmp, target);
    } catch (err) {
      source.destroy();
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async open(key: string): Promise<Readable> {
    try {
      const handle = await open(this.pathOf(key), "r");
      return handle.createReadStream();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new AttachmentMissingError(key);
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async *listOlderThan(before: number): AsyncIterable<readonly string[]> {
    const names = await readdir(this.dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return [] as string[];
      throw err;
    });
    let page: string[] = [];
    for (const name of names) {
      if (!KEY.test(name)) continue;
      const info = await stat(join(this.dir, name)).catch(() => null);
      if (info === null || info.mtimeMs >= before) continue;
      page.push(name);
      if (page.length === PAGE) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }
}
