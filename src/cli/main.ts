#!/usr/bin/env node
// The `refund-desk` command: builds the program over the real process and runs it.
import { oneLine } from "./io.js";
import { runCli } from "./program.js";

function die(e: unknown): never {
  process.stderr.write(`refund-desk: unexpected error: ${oneLine(e)}\n`);
  process.exit(1);
}

// Nothing may end the process with a stack trace.
process.on("uncaughtException", die);
process.on("unhandledRejection", die);
// The reader went away (e.g. `| head`): stop quietly.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  die(e);
});

// process.exitCode, not process.exit(): pending output to a pipe is flushed before the exit.
await runCli(process.argv.slice(2), {
  // Lazy: process.stdin is only created when a command reads it.
  get stdin() {
    return process.stdin;
  },
  stdout: process.stdout,
  stderr: process.stderr,
  exit: (code) => {
    process.exitCode = code;
  },
});
