// `refund-desk simulate` (issue 16): bad input exits 2 naming the field (a malformed policy file,
// an unknown parameter, a date that is not one) before any database is opened; on a database with
// requests, the report for people and as JSON, a progress bar only on a terminal. SQLite, and
// PostgreSQL with DATABASE_URL.

import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiCalls, newClient } from "../../test/support/api-world.js";
import { collector, run, tempDir, writeTemp } from "../../test/support/cli.js";
import { testServer, type TestServer } from "../../test/support/http.js";
import type { SimulationReport } from "../core/simulation/simulation.js";
import { DEFAULT_POLICY_PATH } from "../policy-file/load.js";
import type { CliIo } from "./io.js";
import { runSimulate } from "./simulate.js";
import { loadPolicy } from "./evaluate.js";

/** The policy file's document, loosely typed for editing. */
type PolicyDoc = { version: string; parameters: Record<string, unknown> };

const WRITER = "token:tok_w:orders:write,orders:read,payments:write";
const shipped = () => parseYaml(readFileSync(DEFAULT_POLICY_PATH, "utf8")) as PolicyDoc;

function policyFile(edit: (doc: PolicyDoc) => void): string {
  const doc = shipped();
  edit(doc);
  return writeTemp(tempDir(), "candidate.yaml", toYaml(doc));
}

describe("refund-desk simulate: bad input", () => {
  it("refuses a malformed policy file, naming the field's path", async () => {
    const file = policyFile((d) => {
      d.parameters.requestWindowDays = "seven";
    });
    const r = await run(["simulate", "--policy", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("parameters.requestWindowDays");
    expect(r.stdout).toBe("");
  });

  it("refuses an unknown parameter", async () => {
    const file = policyFile((d) => {
      d.parameters.refundEverything = true;
    });
    const r = await run(["simulate", "--policy", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("parameters.refundEverything");
  });

  it("refuses a day that is not a calendar date, and a period that ends before it starts", async () => {
    const file = policyFile(() => {});
    const bad = await run(["simulate", "--policy", file, "--from", "2026-02-30"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--from: must be a calendar date");
    const backwards = await run([
      "simulate",
      "--policy",
      file,
      "--from",
      "2026-03-02",
      "--to",
      "2026-03-01",
    ]);
    expect(backwards.code).toBe(2);
    expect(backwards.stderr).toContain("--to: must not be before from");
  });

  it("needs --policy", async () => {
    const r = await run(["simulate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--policy");
  });
});

describe("refund-desk simulate: the report", () => {
  let t: TestServer;
  const start = Date.parse("2026-03-02T09:00:00Z");

  beforeAll(async () => {
    t = await testServer({ now: start });
    const client = await newClient(t);
    const call = apiCalls(t).send;
    for (let i = 0; i < 3; i++) {
      const id = `ORD-${i}`;
      t.setNow(start + i * 3_600_000);
      const r = await call("POST", "/orders", WRITER, {
        id,
        clientId: client.clientId,
        service: { name: "Quarterly audit", category: "audit", billing: "one_off" },
        price: { amount: "1200.00", currency: "USD" },
        placedAt: "2026-02-01T09:00:00Z",
        promisedStartBy: "2026-02-05T09:00:00Z",
        promisedDeliveryBy: "2026-02-20T09:00:00Z",
        startedAt: i === 0 ? null : "2026-02-03T09:00:00Z",
        // Delivered 4 days before: inside a 7-day window, outside a 2-day one (ORD-1, ORD-2).
        deliveredAt: i === 0 ? null : "2026-02-26T09:00:00Z",
        subscription: null,
      });
      expect(r.statusCode, r.body).toBe(201);
      await call("POST", "/payments", WRITER, {
        id: `${id}-P1`,
        orderId: id,
        chargeRef: id,
        amount: { amount: "1200.00", currency: "USD" },
        method: "card",
        capturedAt: "2026-02-01T10:00:00Z",
        providerRef: null,
      });
      const s = await call("POST", "/requests", client.actor, {
        orderId: id,
        reason: i === 0 ? "not_delivered" : "mismatch",
        description: "The audit did not cover what was agreed.",
      });
      expect(s.statusCode, s.body).toBe(201);
    }
  });
  afterAll(() => t?.close());

  const io = (tty: boolean) => {
    const out = collector();
    const err = collector();
    if (tty) Object.assign(err.stream, { isTTY: true, columns: 100 });
    const cli: CliIo = {
      stdin: Readable.from([]),
      stdout: out.stream,
      stderr: err.stream,
      exit: () => undefined,
    };
    return { cli, stdout: out.text, stderr: err.text };
  };
  const options = (json: boolean) => {
    const file = policyFile((d) => {
      d.version = "2026-strict";
      d.parameters.requestWindowDays = 2;
    });
    return {
      policy: loadPolicy(file),
      policyFile: file,
      period: { from: null, to: null, startsAt: null, endsAt: null },
      json,
      database: t.db.options,
    };
  };

  it("prints JSON for machines, without a progress bar when standard error is no terminal", async () => {
    const x = io(false);
    expect(await runSimulate(options(true), x.cli)).toBe(0);
    const report = JSON.parse(x.stdout()) as SimulationReport;
    expect(report.candidateVersion).toBe("2026-strict");
    expect(report.requests).toBe(3);
    expect(report.changed).toBe(2);
    expect(report.sample.map((s) => s.orderId)).toEqual(["ORD-1", "ORD-2"]);
    expect(report.sample[0]?.after.outcome).toBe("deny");
    expect(report.sample[0]?.after.clause).toBe("procedure.window");
    expect(x.stderr()).toBe("");
  });

  it("prints the report for people, with a progress bar on a terminal", async () => {
    const x = io(true);
    expect(await runSimulate(options(false), x.cli)).toBe(0);
    const text = x.stdout();
    expect(text).toContain("simulation of policy 2026-strict");
    expect(text).toMatch(/recommendations changed\s+2 \(66\.7%\)/);
    expect(text).toContain("outcomes (rows: stored recommendation, columns: candidate)");
    expect(text).toContain("procedure.window");
    expect(text).toMatch(/USD\s+1200\.00 -> 1200\.00 \(\+0\.00\)/);
    expect(x.stderr()).toContain("simulating [");
  });
});
