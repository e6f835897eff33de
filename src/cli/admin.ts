// `refund-desk admin create --email ... [--name ...] [--force] [--password-stdin]`: the first
// administrator of an empty database (how a production install starts, without the demo). Prints
// a one-time link to set the password (48 hours), or, with --password-stdin, reads the password
// from stdin (never from the command line, which other users of the machine can see). Refuses
// when an admin exists already, unless --force.

import type { Command } from "commander";
import { CliError, EXIT_INTERNAL, EXIT_OK, oneLine, writeText, type CliIo } from "./io.js";
import { openMigrated } from "./database.js";
import { databaseFromEnv } from "./service-commands.js";

export interface AdminCreateOptions {
  readonly email: string;
  readonly name?: string | undefined;
  readonly force: boolean;
  readonly passwordStdin: boolean;
  readonly publicUrl: string;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Runs `admin create`; resolves to the exit code. */
export async function runAdminCreate(opts: AdminCreateOptions, io: CliIo): Promise<number> {
  const { createAppDeps } = await import("../app/context.js");
  const { createUser } = await import("../app/auth/create-user.js");
  const { activeAdminEmails } = await import("../app/auth/repository.js");
  const { issueAccountToken, redeemAccountToken } = await import("../app/auth/account-tokens.js");
  const { setPasswordLink } = await import("../notify/templates/account.js");
  const { loadPolicyFile } = await import("../policy-file/load.js");
  const { AppError } = await import("../app/errors.js");

  const password = opts.passwordStdin ? (await readAll(io.stdin)).replace(/\r?\n$/, "") : null;
  const policy = loadPolicyFile(undefined);
  if (!policy.ok) throw new CliError(`policy file: ${policy.error.message}`);
  const opened = await openMigrated(databaseFromEnv());
  const { openAttachmentStorage } = await import("../storage/index.js");
  const deps = createAppDeps({
    db: opened.db,
    dialect: opened.dialect,
    policy: policy.value,
    clock: Date.now,
    dataDir: process.env["DATA_DIR"] ?? "./data",
    // These commands touch no attachment: the local and database stores, whatever the settings.
    attachments: openAttachmentStorage(
      { kind: "local", s3: null, presignDownloads: false },
      { db: opened.db, dataDir: process.env["DATA_DIR"] ?? "./data" },
    ),
  });
  try {
    const admins = await activeAdminEmails(deps.db);
    if (admins.length > 0 && !opts.force) {
      throw new CliError(
        `an administrator exists already (${admins.join(", ")}); ` +
          "sign in as one and invite people, or pass --force to add another administrator",
      );
    }
    const name = opts.name ?? opts.email.split("@")[0] ?? opts.email;
    let token = "";
    let expiresAt = "";
    const user = await createUser(
      deps,
      "system",
      { email: opts.email, name, role: "admin" },
      async (trx, row, now) => {
        const issued = await issueAccountToken(trx, {
          userId: row.id,
          purpose: "invitation",
          createdBy: "system",
          now,
          mail: false,
        });
        token = issued.token;
        expiresAt = issued.expiresAt;
      },
    );
    if (password !== null) {
      await redeemAccountToken(
        deps,
        { actor: { role: "anonymous" }, ip: null },
        { token, password },
      );
      await writeText(
        io.stdout,
        `Administrator ${user.email} (${user.id}) created with the password given; sign in at ${opts.publicUrl}\n`,
      );
    } else {
      await writeText(
        io.stdout,
        `Administrator ${user.email} (${user.id}) created.\n` +
          `Set the password with this link (it works once, until ${expiresAt}):\n` +
          `  ${setPasswordLink(opts.publicUrl, token)}\n` +
          `or: POST ${opts.publicUrl}/api/v1/set-password {"token":"${token}","password":"..."}\n`,
      );
    }
    return EXIT_OK;
  } catch (e) {
    if (e instanceof CliError) throw e;
    if (e instanceof AppError) {
      const field = e.errors[0];
      const what =
        field === undefined
          ? e.message
          : `${field.path.replace(/^body\./, "--")}: ${field.message}`;
      throw new CliError(
        what.replace("--email: is already in use", "--email: has an account already"),
      );
    }
    throw new CliError(`admin create failed: ${oneLine(e)}`, EXIT_INTERNAL);
  } finally {
    await opened.close();
  }
}

const ADMIN_CREATE_HELP = `
Creates an administrator: the first one on a new database (NODE_ENV=production has no demo data,
so this is how people get in). Prints a link to set the password (it works once, for 48 hours);
with --password-stdin the password is read from standard input instead. The administrator then
invites everyone else (POST /api/v1/invitations). The database comes from DATABASE_URL
(PostgreSQL) or DATA_DIR (SQLite, ./data); links start with PUBLIC_URL.

Examples:
  $ refund-desk admin create --email ada@example.com --name "Ada Admin"
  $ printf '%s' "$ADMIN_PASSWORD" | refund-desk admin create --email ada@example.com --password-stdin

Exit codes: 0 created; 2 an admin exists already (without --force), or bad options; 1 database failure.`;

/** Adds `admin create` to the program. */
export function addAdminCommand(
  program: Command,
  io: CliIo,
  setCode: (code: number) => void,
  publicUrl: () => string,
): void {
  const admin = program.command("admin").description("manage administrators");
  admin
    .command("create")
    .description("create an administrator (the first one on an empty database)")
    .requiredOption("--email <address>", "the administrator's e-mail address (their sign-in)")
    .option("--name <name>", "their name as shown to others (default: the address's local part)")
    .option("--force", "create one even though an administrator exists already")
    .option("--password-stdin", "read the password from standard input instead of printing a link")
    .addHelpText("after", ADMIN_CREATE_HELP)
    .action(
      async (opts: { email: string; name?: string; force?: boolean; passwordStdin?: boolean }) => {
        setCode(
          await runAdminCreate(
            {
              email: opts.email,
              name: opts.name,
              force: opts.force === true,
              passwordStdin: opts.passwordStdin === true,
              publicUrl: publicUrl(),
            },
            io,
          ),
        );
      },
    );
}
