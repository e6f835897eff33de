import { describe, expect, it } from "vitest";
import { countByOrder } from "./scan-ledger.js";

describe("countByOrder", () => {
  it("counts runs of a sorted page", () => {
    expect(countByOrder(["A", "A", "B", "C", "C", "C"])).toEqual({
      orderIds: ["A", "B", "C"],
      counts: [2, 1, 3],
    });
    expect(countByOrder([])).toEqual({ orderIds: [], counts: [] });
  });

  it("gives the same counts when the page is not in order", () => {
    const r = countByOrder(["B", "A", "B", "C", "A"]);
    const asMap = new Map(r.orderIds.map((id, i) => [id, r.counts[i]]));
    expect(asMap).toEqual(
      new Map([
        ["A", 2],
        ["B", 2],
        ["C", 1],
      ]),
    );
  });
});
