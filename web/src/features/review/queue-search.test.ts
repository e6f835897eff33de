import { describe, expect, it } from "vitest";
import {
  apiFiltersOf,
  apiListQueryOf,
  statusesOf,
  validateQueueSearch,
  viewOf,
  withFilters,
} from "./queue-search";

describe("the queue's search params", () => {
  it("keeps known values and drops the rest (a mistyped URL never reaches the API)", () => {
    expect(
      validateQueueSearch({
        status: "in_review,bogus,submitted,in_review",
        reason: "not_delivered",
        outcome: "maybe",
        flag: "at_risk",
        waitingOn: "client",
        assignee: "me",
        clientId: " cl_1 ",
        orderId: "",
        sort: "window_end",
        cursor: "abc",
        page: 3,
      }),
    ).toEqual({
      status: "submitted,in_review",
      reason: "not_delivered",
      flag: "at_risk",
      waitingOn: "client",
      assignee: "me",
      clientId: "cl_1",
      sort: "window_end",
      cursor: "abc",
    });
  });

  it("leaves defaults out of the URL (waiting on QA, newest first)", () => {
    expect(validateQueueSearch({ waitingOn: "qa", sort: "newest" })).toEqual({});
    expect(validateQueueSearch({ status: "nothing-known" })).toEqual({});
  });

  it("accepts several statuses as an array too", () => {
    expect(validateQueueSearch({ status: ["denied", "approved"] })).toEqual({
      status: "approved,denied",
    });
    expect(statusesOf("approved,denied")).toEqual(["approved", "denied"]);
    expect(statusesOf(undefined)).toEqual([]);
  });

  it("refuses control characters and over-long ids", () => {
    expect(validateQueueSearch({ orderId: "ORD\u0000", clientId: "x".repeat(201) })).toEqual({});
  });

  it("names the API's filters: waiting on QA unless `any`", () => {
    expect(apiFiltersOf({})).toEqual({ waitingOn: "qa" });
    expect(
      apiFiltersOf({ waitingOn: "any", outcome: "deny", assignee: "unassigned", flag: "at_risk" }),
    ).toEqual({
      recommendedOutcome: "deny",
      assignee: "unassigned",
      flag: "at_risk",
    });
    expect(
      apiListQueryOf({ status: "submitted", sort: "age", cursor: "c1", orderId: "ORD-1" }, 25),
    ).toEqual({
      waitingOn: "qa",
      orderId: "ORD-1",
      status: "submitted",
      sort: "age",
      cursor: "c1",
      limit: "25",
    });
  });

  it("goes back to the first page when a filter changes", () => {
    expect(withFilters({ cursor: "c1", sort: "age" }, { reason: "mismatch" })).toEqual({
      sort: "age",
      reason: "mismatch",
    });
    expect(withFilters({ reason: "mismatch" }, { reason: undefined })).toEqual({});
  });

  it("recognises the saved views, whatever the sort or page", () => {
    expect(viewOf({})).toBe("waitingOnQa");
    expect(viewOf({ assignee: "me", sort: "age", cursor: "x" })).toBe("mine");
    expect(viewOf({ waitingOn: "any" })).toBe("all");
    expect(viewOf({ waitingOn: "any", reason: "other" })).toBeNull();
  });
});
