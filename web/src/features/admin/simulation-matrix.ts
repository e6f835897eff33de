// The outcome matrix of a simulation report (stored recommendation -> candidate's) as rows of
// counts, for its table and its chart. Pure.

/** A recommended outcome; `none`: no recommendation. */
export type Outcome = "refund" | "review" | "deny" | "incomplete" | "none";

/** Rows and columns of the outcome matrix, in the report's order. */
export const OUTCOMES: readonly Outcome[] = ["refund", "review", "deny", "incomplete", "none"];

/** Each stored outcome with its counts per candidate outcome (zeros where the report has none). */
export function matrixRows(report: {
  readonly matrix: readonly {
    readonly from: Outcome;
    readonly to: Outcome;
    readonly count: number;
  }[];
}): { from: Outcome; counts: Record<Outcome, number> }[] {
  return OUTCOMES.map((from) => {
    const counts = { refund: 0, review: 0, deny: 0, incomplete: 0, none: 0 };
    for (const cell of report.matrix) if (cell.from === from) counts[cell.to] = cell.count;
    return { from, counts };
  });
}
