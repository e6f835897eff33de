// Where the time goes in a V8 CPU profile (.cpuprofile, as node --cpu-prof or the inspector's
// Profiler.stop writes it): the top functions by self time and by inclusive time, and self time
// per package or source folder. Used by `BENCH_PROFILE=<dir> npm run bench:api`; the profiles
// themselves stay in <dir> for DevTools (Performance panel -> Load profile).

import { readFileSync } from "node:fs";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  /** Microseconds since the previous sample. */
  readonly timeDeltas: readonly number[];
}

export interface ProfileRow {
  readonly name: string;
  readonly ms: number;
  readonly percent: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly self: readonly ProfileRow[];
  readonly inclusive: readonly ProfileRow[];
  readonly areas: readonly ProfileRow[];
}

/** "src/http", "fastify", "node:internal", "(garbage collector)"... for one frame. */
export function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return "node internals";
  const modules = url.lastIndexOf("/node_modules/");
  if (modules >= 0) {
    const rest = url.slice(modules + "/node_modules/".length).split("/");
    return rest[0]?.startsWith("@") === true ? `${rest[0]}/${rest[1] ?? ""}` : (rest[0] ?? url);
  }
  const dist = url.lastIndexOf("/dist/");
  if (dist >= 0) {
    const parts = url.slice(dist + "/dist/".length).split("/");
    return parts.slice(0, Math.min(3, parts.length - 1)).join("/") || url;
  }
  return url.slice(url.lastIndexOf("/") + 1);
}

function nameOf(frame: CallFrame): string {
  const fn = frame.functionName === "" ? "(anonymous)" : frame.functionName;
  if (frame.url === "") return fn;
  const dist = frame.url.lastIndexOf("/dist/");
  const modules = frame.url.lastIndexOf("/node_modules/");
  const file =
    modules >= 0
      ? frame.url.slice(modules + "/node_modules/".length)
      : dist >= 0
        ? frame.url.slice(dist + "/dist/".length)
        : frame.url.replace(/^file:\/\//, "");
  return `${fn} ${file}:${frame.lineNumber + 1}`;
}

function top(map: Map<string, number>, totalUs: number, n: number): ProfileRow[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: us / 1000, percent: (100 * us) / totalUs }));
}

/** Self and inclusive time per function, self time per area; `n` rows each. */
export function summarizeProfile(file: string, n = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const areas = new Map<string, number>();
  let totalUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    const us = profile.timeDeltas[i] ?? 0;
    if (id === undefined || us <= 0) continue;
    const node = byId.get(id);
    if (node === undefined) continue;
    totalUs += us;
    const key = nameOf(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + us);
    const area = areaOf(node.callFrame);
    areas.set(area, (areas.get(area) ?? 0) + us);
    // Inclusive: every distinct function on the sample's stack (recursion counted once).
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame === undefined || frame.functionName === "(root)") continue;
      const name = nameOf(frame);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + us);
    }
  }
  const total = Math.max(totalUs, 1);
  return {
    totalMs: totalUs / 1000,
    self: top(self, total, n),
    inclusive: top(inclusive, total, n),
    areas: top(areas, total, n),
  };
}

/** The summary as indented text lines. */
export function formatProfileSummary(title: string, s: ProfileSummary): string {
  const rows = (label: string, list: readonly ProfileRow[]) =>
    [
      `  ${label}`,
      ...list.map(
        (r) =>
          `    ${r.percent.toFixed(1).padStart(5)}%  ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}`,
      ),
    ].join("\n");
  return [
    `${title} (${(s.totalMs / 1000).toFixed(1)} s sampled)`,
    rows("self time by area:", s.areas),
    rows("self time by function:", s.self),
    rows("inclusive time by function:", s.inclusive),
  ].join("\n");
}
