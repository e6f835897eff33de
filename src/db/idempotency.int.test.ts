import { afterEach, describe, expect, it } from "vitest";
import { freshDatabase, type TestDatabase } from "../../test/support/database.js";
import {
  IDEMPOTENCY_LEASE_MS,
  IDEMPOTENCY_TTL_MS,
  beginIdempotent,
  completeIdempotent,
  purgeExpiredIdempotency,
  releaseIdempotent,
  type IdempotencyRequest,
  type StoredResponse,
} from "./idempotency.js";

let t: TestDatabase | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const NOW = Date.parse("2026-02-16T09:30:00Z");

function req(o: Partial<IdempotencyRequest> = {}): IdempotencyRequest {
  return {
    scope: "usr_1",
    key: "key-1",
    method: "POST",
    path: "/api/v1/refund-requests",
    fingerprint: "f1",
    now: NOW,
    ...o,
  };
}

const RESPONSE: StoredResponse = {
  status: 201,
  headers: { "content-type": "application/json", location: "/api/v1/refund-requests/req_1" },
  body: '{"id":"req_1","amount":{"amount":"0.000000000000000001","currency":"ETH"}}',
};

describe("idempotency keys", () => {
  it("20 concurrent requests with one key, over two connections: exactly one is new", async () => {
    t = await freshDatabase();
    const other = await t.reopen();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => beginIdempotent(i % 2 ? t!.db : other.db, req())),
    );
    expect(results.filter((r) => r === "new")).toHaveLength(1);
    expect(results.filter((r) => r === "in_flight")).toHaveLength(19);
  });

  it("after completion, 20 concurrent repeats all replay the identical stored response", async () => {
    t = await freshDatabase();
    expect(await beginIdempotent(t.db, req())).toBe("new");
    expect(await completeIdempotent(t.db, req(), RESPONSE)).toBe(true);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => beginIdempotent(t!.db, req({ now: NOW + 1000 }))),
    );
    for (const r of results) expect(r).toEqual({ replay: RESPONSE });
  });

  it("the same key with another body, method or path is a mismatch, in flight or done", async () => {
    t = await freshDatabase();
    expect(await beginIdempotent(t.db, req())).toBe("new");
    expect(await beginIdempotent(t.db, req({ fingerprint: "f2" }))).toBe("mismatch");
    expect(await beginIdempotent(t.db, req({ path: "/api/v1/orders" }))).toBe("mismatch");
    await completeIdempotent(t.db, req(), RESPONSE);
    expect(await beginIdempotent(t.db, req({ fingerprint: "f2" }))).toBe("mismatch");
    expect(await beginIdempotent(t.db, req({ method: "PUT" }))).toBe("mismatch");
  });

  it("keys are per scope: another caller's identical key is independent", async () => {
    t = await freshDatabase();
    expect(await beginIdempotent(t.db, req())).toBe("new");
    expect(await beginIdempotent(t.db, req({ scope: "usr_2", fingerprint: "other" }))).toBe("new");
  });

  it("a released key runs afresh; only the holder may complete or release", async () => {
    t = await freshDatabase();
    expect(await beginIdempotent(t.db, req())).toBe("new");
    expect(await releaseIdempotent(t.db, req({ fingerprint: "f2" }))).toBe(false);
    expect(await completeIdempotent(t.db, req({ fingerprint: "f2" }), RESPONSE)).toBe(false);
    expect(await releaseIdempotent(t.db, req())).toBe(true);
    expect(await beginIdempotent(t.db, req({ fingerprint: "f2" }))).toBe("new");
    expect(await completeIdempotent(t.db, req({ fingerprint: "f2" }), RESPONSE)).toBe(true);
    // Done keys are not released.
    expect(await releaseIdempotent(t.db, req({ fingerprint: "f2" }))).toBe(false);
    expect(await completeIdempotent(t.db, req({ fingerprint: "f2" }), RESPONSE)).toBe(false);
  });

  it("a crashed holder's claim is taken over after the lease, by exactly one retry", async () => {
    t = await freshDatabase();
    expect(await beginIdempotent(t.db, req())).toBe("new");
    const before = NOW + IDEMPOTENCY_LEASE_MS - 1;
    expect(await beginIdempotent(t.db, req({ now: before }))).toBe("in_flight");
    const after = NOW + IDEMPOTENCY_LEASE_MS;
    const results = await Promise.all(
      Array.from({ length: 10 }, () => beginIdempotent(t!.db, req({ now: after }))),
    );
    expect(results.filter((r) => r === "new")).toHaveLength(1);
    expect(results.filter((r) => r === "in_flight")).toHaveLength(9);
  });

  it("an expired key is forgotten: usable for any request, and purged by the reaper", async () => {
    t = await freshDatabase();
    await beginIdempotent(t.db, req());
    await completeIdempotent(t.db, req(), RESPONSE);
    await beginIdempotent(t.db, req({ key: "key-2" }));
    const later = NOW + IDEMPOTENCY_TTL_MS;
    expect(await beginIdempotent(t.db, req({ fingerprint: "f2", now: later }))).toBe("new");
    expect(await purgeExpiredIdempotency(t.db, later)).toBe(1); // key-2; key-1 is renewed
    const keys = await t.db.selectFrom("idempotency_keys").select(["key", "fingerprint"]).execute();
    expect(keys).toEqual([{ key: "key-1", fingerprint: "f2" }]);
  });
});
