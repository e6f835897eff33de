/** An integer setting from the environment (underscores allowed: 1_000_000), or `fallback`. */
export function envInt(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const v = Number(raw.replace(/_/g, ""));
  if (!Number.isSafeInteger(v) || v < min) {
    throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`);
  }
  return v;
}
