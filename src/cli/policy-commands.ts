// `refund-desk policy ...` on the database's policy versions (ADR 0025): `show [--at INSTANT]`
// (the version in force; `--policy FILE` shows a file instead), `versions`, `publish FILE
// --effective INSTANT`, `withdraw ID` and `diff A B` (each a version id, or a policy file). The
// database comes from DATABASE_URL or DATA_DIR; on an empty one the policy file (POLICY_FILE, or
// the shipped one) is published first, as `serve` does. Refusals exit 2 naming the field.
// Publications and withdrawals from the command line are made as the system user (usr_system),
// audited like the API's.

import { existsSync } from "node:fs";
import type { Command } from "commander";
import type { AppDeps } from "../app/context.js";
import type { PolicyVersionSummary, PolicyVersionView } from "../app/policy/present.js";
import { SYSTEM_ACTOR } from "../core/access/index.js";
import { msOf, parseExactInstant } from "../core/calendar/instant.js";
import { diffPolicies, type Policy, type PolicyDiff } from "../core/policy/index.js";
import { loadPolicy } from "./evaluate.js";
import {
  CliError,
  EXIT_INTERNAL,
  EXIT_INVALID,
  EXIT_OK,
  readTextFile,
  stderrLogger,
  writeText,
  type CliIo,
} from "./io.js";
import { openMigrated } from "./database.js";
import { showPolicy } from "./policy-show.js";
import { databaseFromEnv } from "./service-commands.js";

const CLI_CTX = { actor: SYSTEM_ACTOR, ip: null } as const;

/** Opens the database (migrated, with its first version), runs `fn`, closes it. */
async function withDeps<T>(io: CliIo, fn: (deps: AppDeps) => Promise<T>): Promise<T> {
  const { createAppDeps } = await import("../app/context.js");
  const { publishFirstVersion } = await import("../app/policy/store.js");
  const initial = loadPolicy(process.env["POLICY_FILE"]?.trim() || undefined);
  const opened = await openMigrated(databaseFromEnv(), (db) =>
    publishFirstVersion(db, initial, Date.now()),
  );
  const { openAttachmentStorage } = await import("../storage/index.js");
  const deps = createAppDeps({
    db: opened.db,
    dialect: opened.dialect,
    policy: initial,
    clock: Date.now,
    dataDir: process.env["DATA_DIR"] ?? "./data",
    // These commands touch no attachment: the local and database stores, whatever the settings.
    attachments: openAttachmentStorage(
      { kind: "local", s3: null, presignDownloads: false },
      { db: opened.db, dataDir: process.env["DATA_DIR"] ?? "./data" },
    ),
    logger: stderrLogger(io.stderr),
  });
  try {
    return await fn(deps);
  } catch (e) {
    throw await asCliError(e);
  } finally {
    await opened.close();
  }
}

/** An AppError as the command line reports it: each field by its path; bad input exits 2. */
async function asCliError(e: unknown): Promise<unknown> {
  const { AppError } = await import("../app/errors.js");
  if (!(e instanceof AppError)) return e;
  const invalid =
    e.code === "invalid_input" ||
    e.code === "unprocessable" ||
    e.code === "conflict" ||
    e.code === "not_found";
  return new CliError(e.message, invalid ? EXIT_INVALID : EXIT_INTERNAL);
}

function instantOption(value: string, option: string): number {
  const exact = parseExactInstant(value);
  if (exact === undefined || exact === null) {
    throw new CliError(
      `${option}: must be an ISO 8601 instant with an offset, e.g. 2027-01-01T00:00:00+07:00`,
    );
  }
  return msOf(exact);
}

const line = (v: PolicyVersionSummary) =>
  [
    v.id.padEnd(24),
    v.status.padEnd(11),
    `effective ${v.effectiveAt}`,
    v.inForceFrom === null ? "" : ` in force from ${v.inForceFrom}`,
    v.inForceUntil === null ? "" : ` until ${v.inForceUntil}`,
    ` published by ${v.publishedBy} at ${v.publishedAt}`,
    v.withdrawnAt === null ? "" : `, withdrawn at ${v.withdrawnAt} by ${v.withdrawnBy ?? "?"}`,
  ].join("");

/** A version id of the database, or a policy file (when a file of that name exists). */
async function policyOf(deps: AppDeps, arg: string): Promise<{ label: string; policy: Policy }> {
  if (existsSync(arg)) return { label: arg, policy: loadPolicy(arg) };
  const v = await deps.policies.fresh(arg);
  if (v === undefined) throw new CliError(`no policy version "${arg}" (and no such file)`);
  return { label: v.id, policy: v.policy };
}

/** The differences as two columns of text. */
export function formatDiff(a: string, b: string, diff: PolicyDiff): string {
  if (diff.settings.length === 0 && diff.clauses.length === 0) {
    return `${a} and ${b}: the same settings and clause texts\n`;
  }
  const show = (v: unknown) => (v === undefined ? "(none)" : JSON.stringify(v));
  const out: string[] = [`--- ${a}`, `+++ ${b}`];
  if (diff.settings.length > 0) {
    out.push("", "settings:");
    const width = Math.max(...diff.settings.map((s) => s.path.length));
    for (const s of diff.settings) {
      out.push(`  ${s.path.padEnd(width)}  ${show(s.a)}  ->  ${show(s.b)}`);
    }
  }
  if (diff.clauses.length > 0) {
    out.push("", "clauses:");
    for (const c of diff.clauses) out.push(`  ${c.id}`, `    - ${c.a}`, `    + ${c.b}`);
  }
  return `${out.join("\n")}\n`;
}

const POLICY_VERSION_HELP = `
The policy lives in the database as published versions, each in force from its effective instant
until the next one's. A request is judged under the version in force at its submission, for good.

Examples:
  $ refund-desk policy show
  $ refund-desk policy show --at 2027-01-01T00:00:00+07:00 --json
  $ refund-desk policy versions
  $ refund-desk policy publish new-policy.yaml --effective 2027-01-01T00:00:00+07:00
  $ refund-desk policy withdraw 2027-01
  $ refund-desk policy diff 2026-11-28.1 2027-01
  $ refund-desk policy diff 2026-11-28.1 candidate.yaml`;

/** Adds `show`, `versions`, `publish`, `withdraw` and `diff` under `policy`. */
export function addPolicyCommands(policyCmd: Command, io: CliIo, setCode: (c: number) => void) {
  policyCmd.addHelpText("after", POLICY_VERSION_HELP);
  policyCmd
    .command("show")
    .description("print the policy version in force now, or at --at (version, parameters, clauses)")
    .option("--json", "print JSON instead of YAML")
    .option("--at <instant>", "the version in force at this instant (ISO 8601 with an offset)")
    .option("--policy <file>", "show (and check) this policy file instead of the database's")
    .addHelpText(
      "after",
      `
Prints the version in force (from the database: DATABASE_URL or DATA_DIR) as YAML, which is
itself a valid policy file, or as JSON; with --policy, the file instead.

Examples:
  $ refund-desk policy show
  $ refund-desk policy show --json
  $ refund-desk policy show --at 2027-01-01T00:00:00+07:00
  $ refund-desk policy show --policy my-policy.yaml`,
    )
    .action(async (opts: { json?: boolean; at?: string; policy?: string }) => {
      if (opts.policy !== undefined) {
        if (opts.at !== undefined) throw new CliError("--at reads the database; not with --policy");
        const policy = loadPolicy(opts.policy);
        setCode(await showPolicy(policy, `file ${opts.policy}`, opts.json === true, io));
        return;
      }
      const at = opts.at === undefined ? undefined : instantOption(opts.at, "--at");
      setCode(
        await withDeps(io, async (deps) => {
          const when = at ?? deps.clock();
          const v = await deps.policies.inForce(when);
          const { presentVersion } = await import("../app/policy/present.js");
          const view = presentVersion(v, { entries: await deps.policies.timeline(), now: when });
          const until = view.inForceUntil === null ? "" : `, until ${view.inForceUntil}`;
          return showPolicy(
            v.policy,
            `the database: version ${v.id}, in force from ${view.inForceFrom ?? view.effectiveAt}${until}`,
            opts.json === true,
            io,
          );
        }),
      );
    });

  policyCmd
    .command("versions")
    .description("list the published versions: scheduled, in force, superseded, withdrawn")
    .option("--json", "print JSON lines (one version a line)")
    .action(async (opts: { json?: boolean }) => {
      setCode(
        await withDeps(io, async (deps) => {
          const { listPolicyVersions } = await import("../app/policy/read-policy-versions.js");
          let cursor: PolicyVersionSummary[] = [];
          let after: { createdAt: string; id: string } | null = null;
          const out: string[] = [];
          do {
            const page = await listPolicyVersions(deps, CLI_CTX, { limit: 100, after });
            cursor = [...page.items];
            for (const v of cursor) out.push(opts.json === true ? JSON.stringify(v) : line(v));
            const last = cursor.at(-1);
            after =
              page.nextCursor === null || last === undefined
                ? null
                : { createdAt: new Date(Date.parse(last.effectiveAt)).toISOString(), id: last.id };
          } while (after !== null);
          await writeText(io.stdout, `${out.join("\n")}\n`);
          return EXIT_OK;
        }),
      );
    });

  policyCmd
    .command("publish")
    .description("publish a policy file as a version taking effect at a future instant")
    .argument("<file>", "the policy file (YAML or JSON)")
    .requiredOption("--effective <instant>", "when it takes effect (ISO 8601 with an offset)")
    .option("--json", "print the published version as JSON")
    .addHelpText(
      "after",
      `
The file is checked as a policy file (a bad field is named by its path; unknown fields are
refused) and its version id must be new. The instant must be in the future: the version is
scheduled, and may be withdrawn until then. Requests submitted from that instant on (the instant
included) are judged under it; earlier ones keep their version.

Example:
  $ refund-desk policy publish policy/2027.yaml --effective 2027-01-01T00:00:00+07:00`,
    )
    .action(async (file: string, opts: { effective: string; json?: boolean }) => {
      const text = await readTextFile(file, "policy file");
      setCode(
        await withDeps(io, async (deps) => {
          const { publishPolicyVersion } = await import("../app/policy/publish-policy-version.js");
          let v: PolicyVersionView;
          try {
            v = await publishPolicyVersion(deps, CLI_CTX, {
              document: text,
              effectiveAt: opts.effective,
              documentPath: "",
              effectivePath: "--effective",
            });
          } catch (e) {
            const err = await asCliError(e);
            if (err instanceof CliError)
              throw new CliError(`policy file ${file}: ${err.message}`, err.exitCode);
            throw err;
          }
          await writeText(
            io.stdout,
            opts.json === true ? `${JSON.stringify(v, null, 2)}\n` : `published ${line(v)}\n`,
          );
          return EXIT_OK;
        }),
      );
    });

  policyCmd
    .command("withdraw")
    .description("withdraw a scheduled version before it takes effect")
    .argument("<id>", "the version id")
    .action(async (id: string) => {
      setCode(
        await withDeps(io, async (deps) => {
          const { withdrawPolicyVersion } =
            await import("../app/policy/withdraw-policy-version.js");
          const v = await withdrawPolicyVersion(deps, CLI_CTX, id);
          await writeText(io.stdout, `withdrew ${line(v)}\n`);
          return EXIT_OK;
        }),
      );
    });

  policyCmd
    .command("diff")
    .description("the settings and clause texts that differ between two versions (or files)")
    .argument("<a>", "a version id, or a policy file")
    .argument("<b>", "a version id, or a policy file")
    .option("--json", "print JSON: { settings: [{path, a, b}], clauses: [{id, a, b}] }")
    .action(async (a: string, b: string, opts: { json?: boolean }) => {
      setCode(
        await withDeps(io, async (deps) => {
          const pa = await policyOf(deps, a);
          const pb = await policyOf(deps, b);
          const diff = diffPolicies(pa.policy, pb.policy);
          await writeText(
            io.stdout,
            opts.json === true
              ? `${JSON.stringify(diff, null, 2)}\n`
              : formatDiff(pa.label, pb.label, diff),
          );
          return EXIT_OK;
        }),
      );
    });
}
