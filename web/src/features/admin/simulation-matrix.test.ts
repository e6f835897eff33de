import { describe, expect, it } from "vitest";
import { matrixRows, type Outcome } from "./simulation-matrix";

describe("matrixRows", () => {
  it("puts every cell of the report's matrix in its row and column, zeros for the rest", () => {
    const report = {
      matrix: [
        { from: "refund", to: "refund", count: 5 },
        { from: "refund", to: "deny", count: 2 },
        { from: "none", to: "review", count: 1 },
      ],
    } as { matrix: { from: Outcome; to: Outcome; count: number }[] };
    const rows = matrixRows(report);
    expect(rows.map((r) => r.from)).toEqual(["refund", "review", "deny", "incomplete", "none"]);
    expect(rows[0]?.counts).toEqual({ refund: 5, review: 0, deny: 2, incomplete: 0, none: 0 });
    expect(rows[4]?.counts.review).toBe(1);
    expect(rows[1]?.counts).toEqual({ refund: 0, review: 0, deny: 0, incomplete: 0, none: 0 });
  });
});
