// `refund-desk attachments move --to database|s3` and `refund-desk attachments verify` (issue 21,
// ADR 0031): on the service's database (DATABASE_URL, or the SQLite file under DATA_DIR) and the
// stores the environment configures (ATTACHMENT_STORAGE, S3_*, DATA_DIR for local files).

import type { Command } from "commander";
import type { MoveProblem } from "../app/attachments/move-attachments.js";
import type { StorageKind } from "../app/attachments/store.js";
import type { OpenedDatabase } from "../db/connection.js";
import type { OpenedAttachmentStorage } from "../storage/index.js";
import { CliError, EXIT_INTERNAL, EXIT_OK, oneLine, writeText, type CliIo } from "./io.js";
import { openMigrated } from "./database.js";
import { databaseFromEnv } from "./service-commands.js";

/** `attachments verify` found files missing or altered. */
export const EXIT_ATTACHMENTS_BROKEN = 3;

const TARGETS = ["database", "s3"] as const;

/** Opens the database (migrated) and the stores; runs `fn`; closes both. */
async function withStorage<T>(
  fn: (deps: {
    db: OpenedDatabase["db"];
    attachments: OpenedAttachmentStorage;
    clock: () => number;
  }) => Promise<T>,
): Promise<T> {
  const { attachmentStorageFromEnv } = await import("../storage/index.js");
  const database = databaseFromEnv();
  const opened = await openMigrated(database);
  let storage: OpenedAttachmentStorage | undefined;
  try {
    const dataDir = database.dataDir ?? process.env["DATA_DIR"]?.trim() ?? "./data";
    try {
      storage = attachmentStorageFromEnv(process.env, { db: opened.db, dataDir });
    } catch (e) {
      throw new CliError(oneLine(e));
    }
    return await fn({ db: opened.db, attachments: storage, clock: Date.now });
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(oneLine(e), EXIT_INTERNAL);
  } finally {
    storage?.close();
    await opened.close();
  }
}

function problemLines(problems: readonly MoveProblem[]): string {
  return problems.map((p) => `  ${p.id} (${p.storage}): ${p.problem}\n`).join("");
}

/** Adds `attachments move` and `attachments verify` to the program. */
export function addAttachmentsCommands(
  program: Command,
  io: CliIo,
  setCode: (code: number) => void,
): void {
  const attachments = program
    .command("attachments")
    .description("move attachment files between stores, and check them");

  attachments
    .command("move")
    .description("move every attachment file to the database or to S3, checking each hash")
    .requiredOption("--to <store>", `where the files go: ${TARGETS.join(" or ")}`)
    .addHelpText(
      "after",
      `
One file at a time: its bytes are copied from the store its row names (local files under
DATA_DIR/attachments, the database, or S3) to the target, hashed on the way and compared with the
row's SHA-256 and size; then the row is switched to the target (with an attachment.moved audit
event) and the source's copy deleted. Run it again after an interruption: files already moved are
not touched, so each file is moved once. A file whose bytes are missing or differ stays where it
is and is listed. Servers keep serving during a move (each reads a file from the store its row
names); set ATTACHMENT_STORAGE to the target on every server first, so new uploads go there too.
--to s3 needs S3_BUCKET (S3_ENDPOINT, S3_REGION, AWS credentials) as for the server.

Exit codes: 0 every file is in the target; 1 some could not be moved (listed) or the database or
store failed; 2 bad options.

Examples:
  $ DATABASE_URL=postgresql://app@db.internal/refunds DATA_DIR=/var/lib/refund-desk \\
      refund-desk attachments move --to database
  $ S3_BUCKET=refund-desk-files S3_REGION=eu-central-1 refund-desk attachments move --to s3`,
    )
    .action(async (opts: { to: string }) => {
      if (!(TARGETS as readonly string[]).includes(opts.to)) {
        throw new CliError(`--to must be ${TARGETS.join(" or ")}, not "${opts.to}"`);
      }
      const to = opts.to as StorageKind;
      const summary = await withStorage(async (deps) => {
        const { moveAttachments } = await import("../app/attachments/move-attachments.js");
        return moveAttachments(deps, { to });
      });
      await writeText(
        io.stdout,
        `attachments move --to ${to}: ${summary.moved} moved (${summary.bytes} bytes), ` +
          `${summary.failed.length} not moved\n`,
      );
      if (summary.failed.length > 0) {
        io.stderr.write(`refund-desk: not moved:\n${problemLines(summary.failed)}`);
        setCode(EXIT_INTERNAL);
      } else {
        setCode(EXIT_OK);
      }
    });

  attachments
    .command("verify")
    .description("check that every attachment row has its bytes, with its size and SHA-256")
    .addHelpText(
      "after",
      `
Reads every attachment's bytes from the store its row names and compares size and SHA-256 with
the row. Nothing is changed.

Exit codes: 0 every file is present and intact; 3 some are missing or differ (listed);
1 the database or a store could not be read.

Example:
  $ refund-desk attachments verify
  attachments verify: 1532 checked, all present and intact`,
    )
    .action(async () => {
      const summary = await withStorage(async (deps) => {
        const { verifyAttachments } = await import("../app/attachments/move-attachments.js");
        return verifyAttachments(deps);
      });
      if (summary.problems.length === 0) {
        await writeText(
          io.stdout,
          `attachments verify: ${summary.checked} checked, all present and intact\n`,
        );
        setCode(EXIT_OK);
      } else {
        await writeText(
          io.stdout,
          `attachments verify: ${summary.checked} checked, ${summary.problems.length} with problems\n`,
        );
        io.stderr.write(
          `refund-desk: attachments with problems:\n${problemLines(summary.problems)}`,
        );
        setCode(EXIT_ATTACHMENTS_BROKEN);
      }
    });
}
