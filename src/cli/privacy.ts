// `refund-desk privacy export` and `privacy erase`: a client contact's personal data, from the
// command line (issue 17), the same use cases as the admin API. The database comes from
// DATABASE_URL or DATA_DIR; the audit trail records the CLI as `system`.

import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import type { AppDeps } from "../app/context.js";
import type { OpenedAttachmentStorage } from "../storage/index.js";
import { CliError, EXIT_INTERNAL, EXIT_OK, oneLine, stderrLogger, type CliIo } from "./io.js";
import { openMigrated } from "./database.js";
import { loadPolicy } from "./evaluate.js";
import { databaseFromEnv } from "./service-commands.js";

async function withDeps<T>(io: CliIo, fn: (deps: AppDeps) => Promise<T>): Promise<T> {
  const { createAppDeps } = await import("../app/context.js");
  const database = databaseFromEnv();
  const opened = await openMigrated(database);
  const dataDir = database.dataDir ?? process.env["DATA_DIR"]?.trim() ?? "./data";
  const { attachmentStorageFromEnv } = await import("../storage/index.js");
  let storage: OpenedAttachmentStorage | undefined;
  try {
    // Erasure and retention delete files, an export reads them: from every store they may be in.
    storage = attachmentStorageFromEnv(process.env, { db: opened.db, dataDir });
    return await fn(
      createAppDeps({
        db: opened.db,
        dialect: opened.dialect,
        policy: loadPolicy(process.env["POLICY_FILE"]?.trim() || undefined),
        clock: Date.now,
        dataDir,
        attachments: storage,
        logger: stderrLogger(io.stderr),
      }),
    );
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(oneLine(e), EXIT_INTERNAL);
  } finally {
    storage?.close();
    await opened.close();
  }
}

/** The user id named by --user, or found by --email. */
async function contactId(deps: AppDeps, opts: { user?: string; email?: string }): Promise<string> {
  if ((opts.user === undefined) === (opts.email === undefined)) {
    throw new CliError("name the contact with --user ID or --email ADDRESS (one of them)");
  }
  if (opts.user !== undefined) return opts.user;
  const { contactByEmail } = await import("../app/privacy/repository.js");
  const found = await contactByEmail(deps.db, opts.email!);
  if (found === undefined)
    throw new CliError(`no user with the address ${opts.email}`, EXIT_INTERNAL);
  return found.id;
}

/** Adds `privacy export` and `privacy erase` to the program. */
export function addPrivacyCommands(program: Command, io: CliIo, setCode: (code: number) => void) {
  const privacy = program
    .command("privacy")
    .description("a client contact's personal data: export it, or erase it on request");
  privacy
    .command("export")
    .description("write everything held about a client contact as one JSON archive")
    .option("--user <id>", "the contact's user id")
    .option("--email <address>", "the contact's e-mail address")
    .option("--out <file>", "write the archive here (default: standard output)")
    .addHelpText(
      "after",
      `
The archive (format refund-desk.personal-data/1): profile, the requests they submitted, the
messages, their files (base64), the e-mails sent to them and their audit trail. The export is
audited.

Example:
  $ refund-desk privacy export --email alice@acme.example --out alice.json`,
    )
    .action(async (opts: { user?: string; email?: string; out?: string }) => {
      const archive = await withDeps(io, async (deps) => {
        const { exportContact } = await import("../app/privacy/export-contact.js");
        return exportContact(deps, "system", await contactId(deps, opts));
      });
      const text = JSON.stringify(archive, null, 2) + "\n";
      if (opts.out === undefined) io.stdout.write(text);
      else {
        await writeFile(opts.out, text, { mode: 0o600 });
        io.stdout.write(`exported to ${opts.out}\n`);
      }
      setCode(EXIT_OK);
    });
  privacy
    .command("erase")
    .description(
      "erase a client contact's personal data (keeps financial records and the audit chain)",
    )
    .option("--user <id>", "the contact's user id")
    .option("--email <address>", "the contact's e-mail address")
    .option("--yes", "confirm: the erasure cannot be undone")
    .addHelpText(
      "after",
      `
The name and address become a pseudonym, the texts they wrote [erased], their files and the
e-mail copies about them are deleted, and the personal fields of their audit entries are
removed; \`audit verify\` still passes (ADR 0028). Orders, payments, requests, decisions and
payouts stay.

Example:
  $ refund-desk privacy erase --email alice@acme.example --yes`,
    )
    .action(async (opts: { user?: string; email?: string; yes?: boolean }) => {
      if (opts.yes !== true)
        throw new CliError("an erasure cannot be undone: add --yes to confirm");
      const report = await withDeps(io, async (deps) => {
        const { eraseContact } = await import("../app/privacy/erase-contact.js");
        return eraseContact(deps, "system", await contactId(deps, opts));
      });
      io.stdout.write(
        `erased ${report.userId} (now ${report.pseudonym}): ${report.requests} requests, ` +
          `${report.messages} messages, ${report.attachments} files, ${report.auditEntries} audit entries, ` +
          `${report.emailFiles} e-mail copies\n`,
      );
      setCode(EXIT_OK);
    });
}
