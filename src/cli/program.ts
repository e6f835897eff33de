import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { PACKAGE_ROOT } from "../package-root.js";
import { evaluateNdjson, evaluateSingle, loadPolicy } from "./evaluate.js";
import { addImportCommand } from "./import.js";
import { addLedgerCommand } from "./ledger-scan.js";
import { addSimulateCommand } from "./simulate.js";
import { addAdminCommand } from "./admin.js";
import { addAttachmentsCommands } from "./attachments.js";
import { addPrivacyCommands } from "./privacy.js";
import { notifyConfigFromEnv } from "../notify/config.js";
import { CliError, EXIT_INTERNAL, EXIT_INVALID, EXIT_OK, oneLine, type CliIo } from "./io.js";
import { addPolicyCommands } from "./policy-commands.js";
import { addServiceCommands } from "./service-commands.js";

export type { CliIo } from "./io.js";

/** The version in the project's package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as {
    version?: unknown;
  };
  return typeof pkg.version === "string" ? pkg.version : "unknown";
}

const PROGRAM_HELP = `
Examples:
  $ refund-desk evaluate case.json
  $ cat case.json | refund-desk evaluate -
  $ refund-desk evaluate --ndjson < cases.ndjson > decisions.ndjson
  $ refund-desk evaluate --policy my-policy.yaml case.json
  $ refund-desk policy show --json
  $ refund-desk ledger scan --dry-run
  $ refund-desk simulate --policy candidate-policy.yaml --from 2026-01-01 --to 2026-03-31

Exit codes: 0 done; 2 invalid input (case, policy file, usage); 1 unexpected failure.`;

const EVALUATE_HELP = `
A case is one JSON document (order, payments, events, request); the decision is printed as JSON
with outcome, amount, refunds, clauses, alternatives, deadlines, policyVersion and explanation.

With --ndjson, every line of the input is a case and every output line the decision for the
same line, in order; a bad line gets {"error":{"line":N,"path":"...","message":"..."}} in its
place, the run goes on, and the exit code is 2 at the end. Blank lines are skipped.

Examples:
  $ refund-desk evaluate case.json
  $ refund-desk evaluate - < case.json
  $ refund-desk evaluate --ndjson < cases.ndjson > decisions.ndjson
  $ refund-desk evaluate --ndjson cases.ndjson
  $ refund-desk evaluate --policy strict-policy.yaml case.json

Invalid input exits with code 2 and names the JSON path of the offending field, e.g.
  refund-desk: invalid case: payments[0].amount.amount: must be a decimal string such as "12.50", not a JSON number`;

/**
 * Builds the commander program over `io`. Actions report their exit code through `setCode`;
 * errors are thrown (commander's own errors via exitOverride) and mapped by `runCli`.
 */
export function buildProgram(io: CliIo, setCode: (code: number) => void): Command {
  const program = new Command();
  // Set before adding commands: subcommands inherit output, exit override and help-after-error.
  program
    .name("refund-desk")
    .description("Refund Desk: decides refund requests by the company's refund policy.")
    .version(packageVersion(), "-V, --version", "print the version")
    .helpOption("-h, --help", "show help for the command")
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
      outputError: (s, write) => write(`refund-desk: ${s}`),
    })
    .exitOverride()
    .showHelpAfterError("(add --help for usage)")
    .addHelpText("after", PROGRAM_HELP);

  program
    .command("evaluate")
    .description("decide one refund case (FILE, or - for standard input), or many with --ndjson")
    .argument("[file]", "case file (JSON); - reads standard input")
    .option("--ndjson", "one case per line in, one decision per line out (reads FILE or stdin)")
    .option("--policy <file>", "policy file to use (YAML or JSON) instead of the default")
    .addHelpText("after", EVALUATE_HELP)
    .action(async (file: string | undefined, opts: { ndjson?: boolean; policy?: string }) => {
      if (!opts.ndjson && file === undefined) {
        throw new CliError("evaluate needs a case FILE, or - to read standard input (see --help)");
      }
      const policy = loadPolicy(opts.policy);
      setCode(
        opts.ndjson
          ? await evaluateNdjson(file, policy, io)
          : await evaluateSingle(file ?? "-", policy, io),
      );
    });

  const policyCmd = program
    .command("policy")
    .description("the refund policy's versions: show, list, publish, withdraw, diff");
  addPolicyCommands(policyCmd, io, setCode);

  addServiceCommands(program, io, setCode);
  addImportCommand(program, io, setCode);
  addLedgerCommand(program, io, setCode);
  addPrivacyCommands(program, io, setCode);
  addAttachmentsCommands(program, io, setCode);
  addSimulateCommand(program, io, setCode);
  addAdminCommand(program, io, setCode, () => {
    try {
      return notifyConfigFromEnv(process.env).publicUrl;
    } catch (e) {
      throw new CliError(oneLine(e));
    }
  });
  return program;
}

/** Runs the command line `argv` (without node and script) over `io`; resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let code = EXIT_OK;
  try {
    const program = buildProgram(io, (c) => {
      code = c;
    });
    await program.parseAsync([...argv], { from: "user" });
  } catch (e) {
    code = exitCodeOf(e, io);
  }
  io.exit(code);
  return code;
}

function exitCodeOf(e: unknown, io: CliIo): number {
  if (e instanceof CommanderError) {
    // Commander has already printed help, the version or its error message.
    return e.exitCode === 0 ? EXIT_OK : EXIT_INVALID;
  }
  if (e instanceof CliError) {
    io.stderr.write(`refund-desk: ${oneLine(e)}\n`);
    return e.exitCode;
  }
  io.stderr.write(`refund-desk: unexpected error: ${oneLine(e)}\n`);
  return EXIT_INTERNAL;
}
