import { describe, expect, it } from "vitest";
import { AppError } from "../errors.js";
import { DEFAULT_PAGE_SIZE, encodeCursor, parsePageQuery, toPage } from "./pagination.js";

describe("page queries", () => {
  it("defaults the limit and round-trips the cursor", () => {
    expect(parsePageQuery({})).toEqual({ limit: DEFAULT_PAGE_SIZE, after: null });
    const cursor = encodeCursor({ created_at: "2026-03-02T09:00:00.000Z", id: "usr_1" });
    expect(parsePageQuery({ limit: "7", cursor })).toEqual({
      limit: 7,
      after: { createdAt: "2026-03-02T09:00:00.000Z", id: "usr_1" },
    });
  });

  it.each([
    [{ limit: "0" }, "querystring.limit"],
    [{ limit: "101" }, "querystring.limit"],
    [{ limit: "1.5" }, "querystring.limit"],
    [{ cursor: "!!" }, "querystring.cursor"],
    [{ cursor: Buffer.from("[1,2]").toString("base64url") }, "querystring.cursor"],
    [{ cursor: Buffer.from("{").toString("base64url") }, "querystring.cursor"],
  ])("refuses %j naming the parameter", (query, path) => {
    try {
      parsePageQuery(query);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).errors[0]?.path).toBe(path);
    }
  });

  it("gives a next cursor only when there is more", () => {
    const rows = [1, 2, 3].map((i) => ({ created_at: "t", id: `u${i}` }));
    expect(toPage(rows, 3, (r) => r.id)).toEqual({ items: ["u1", "u2", "u3"], nextCursor: null });
    const page = toPage(rows, 2, (r) => r.id);
    expect(page.items).toEqual(["u1", "u2"]);
    expect(parsePageQuery({ cursor: page.nextCursor ?? "" }).after).toEqual({
      createdAt: "t",
      id: "u2",
    });
  });
});
