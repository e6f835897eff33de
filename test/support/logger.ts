// A logger for tests: keeps every entry, so a test can check what a use case reported when it
// swallowed an error (and that nothing was reported when nothing went wrong).

import type { AppLogger } from "../../src/app/context.js";

export interface LogEntry {
  readonly level: "info" | "warn" | "error";
  readonly context: Record<string, unknown>;
  readonly message: string;
}

export interface RecordingLogger extends AppLogger {
  readonly entries: LogEntry[];
}

/** A logger that records instead of printing. */
export function recordingLogger(): RecordingLogger {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry["level"]) =>
    (context: Record<string, unknown>, message: string): void => {
      entries.push({ level, context, message });
    };
  return { entries, info: at("info"), warn: at("warn"), error: at("error") };
}

/** A hand-moved monotonic clock for the caches (`createAppDeps({ cacheClock })`). */
export function manualClock(start = 0): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}
