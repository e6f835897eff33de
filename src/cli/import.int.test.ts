import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collector, run, tempDir, writeTemp } from "../../test/support/cli.js";
import { freshDatabase, testDatabaseUrl, type TestDatabase } from "../../test/support/database.js";
import { clientRow, requestRow } from "../../test/support/db-rows.js";
import { loadPolicyFile } from "../policy-file/load.js";
import type { Policy } from "../core/policy/index.js";
import type { JsonValue } from "../db/audit.js";
import { csvRows, ndjsonRows, type ImportRow } from "../app/imports/rows.js";
import { runImport, type ImportKind } from "./import.js";
import type { CliIo } from "./io.js";

// `refund-desk import` against a real database (SQLite in npm test, PostgreSQL in CI): good CSV
// and NDJSON files land with audit entries by system:import; one bad row rejects the whole file
// (exit 2, rows listed by line, nothing stored); RFC 4180 quoting survives into the database.

const NOW = Date.parse("2026-03-02T09:00:00Z");
const ORDER_HEADER =
  "id,clientId,service.name,service.category,service.billing,price.amount,price.currency," +
  "placedAt,promisedStartBy,promisedDeliveryBy,startedAt,deliveredAt," +
  "subscription.periodStart,subscription.periodEnd,subscription.chargeRef";

function policy(): Policy {
  const p = loadPolicyFile();
  if (!p.ok) throw new Error(p.error.message);
  return p.value;
}

/** `tty`: both streams are a terminal; `stderrTty`: only stderr is (stdout piped). */
function io(opts: { tty?: boolean; stderrTty?: boolean } = {}) {
  const out = collector();
  const err = collector();
  if (opts.tty === true || opts.stderrTty === true) Object.assign(err.stream, { isTTY: true });
  if (opts.tty === true) Object.assign(out.stream, { isTTY: true });
  const cli: CliIo = {
    stdin: Readable.from([]),
    stdout: out.stream,
    stderr: err.stream,
    exit: () => undefined,
  };
  return { cli, stdout: out.text, stderr: err.text };
}

describe("refund-desk import", () => {
  let db: TestDatabase;
  let dir: string;
  const P = policy();

  const count = async (table: "orders" | "payments" | "service_events" | "audit_events") => {
    const row = await db.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };

  const importFile = async (
    kind: ImportKind,
    name: string,
    content: string,
    opts: {
      format?: string;
      tty?: boolean;
      stderrTty?: boolean;
      dryRun?: boolean;
      quiet?: boolean;
    } = {},
  ) => {
    const file = writeTemp(dir, name, content);
    const o = io(opts);
    const code = await runImport(
      {
        kind,
        file,
        format: opts.format,
        policy: P,
        database: db.options,
        clock: () => NOW,
        dryRun: opts.dryRun,
        quiet: opts.quiet,
      },
      o.cli,
    );
    return { code, stdout: o.stdout(), stderr: o.stderr() };
  };

  beforeAll(async () => {
    db = await freshDatabase();
    dir = tempDir();
    await db.db
      .insertInto("clients")
      .values([clientRow({ id: "CL-7" }), clientRow({ id: "CL-8" })])
      .execute();
  });
  afterAll(() => db?.close());

  it("imports a good CSV of orders, quoted fields and all", async () => {
    const csv =
      `${ORDER_HEADER}\r\n` +
      `ORD-1,CL-7,"Pen test, external ""grey box""",audit,one_off,4800.00,USD,2026-02-02T10:00:00Z,2026-02-09T10:00:00Z,2026-02-23T10:00:00Z,,,,,\r\n` +
      `ORD-2,CL-7,"Monitoring\n24/7",monitoring,subscription,3100.00,USD,2026-01-01T00:00:00Z,,,2026-01-01T12:00:00Z,,2026-03-01T00:00:00Z,2026-04-01T00:00:00Z,ORD-2/2026-03\r\n` +
      `ORD-3,CL-8,Training,training,one_off,0.5,BTC,2026-02-02T10:00:00+07:00,,,,,,,\r\n`;
    const auditBefore = await count("audit_events");
    const r = await importFile("orders", "orders.csv", csv);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^imported 3 orders from .*orders\.csv in [\d.]+ s \(\d+ rows\/s\)\n$/,
    );

    const rows = await db.db.selectFrom("orders").selectAll().orderBy("id").execute();
    expect(rows.map((o) => o.id)).toEqual(["ORD-1", "ORD-2", "ORD-3"]);
    expect(rows[0]).toMatchObject({
      service_name: 'Pen test, external "grey box"',
      price_minor: "480000",
      price_currency: "USD",
      started_at: null,
      subscription_period_start: null,
      subscription_charge_ref: null,
    });
    expect(rows[1]).toMatchObject({
      service_name: "Monitoring\n24/7",
      subscription_period_start: "2026-03-01T00:00:00.000Z",
      subscription_charge_ref: "ORD-2/2026-03",
    });
    expect(rows[2]).toMatchObject({
      price_minor: "50000000",
      price_currency: "BTC",
      placed_at: "2026-02-02T03:00:00.000Z",
    });
    const audit = await db.db
      .selectFrom("audit_events")
      .select(["actor", "action", "entity_id"])
      .where("seq", ">", auditBefore)
      .orderBy("seq")
      .execute();
    expect(audit).toEqual([
      { actor: "system:import", action: "order.created", entity_id: "ORD-1" },
      { actor: "system:import", action: "order.created", entity_id: "ORD-2" },
      { actor: "system:import", action: "order.created", entity_id: "ORD-3" },
    ]);
  });

  it("imports good NDJSON payments, and re-evaluates open requests on their orders", async () => {
    const req = requestRow({ id: "ORD-1", client_id: "CL-7" });
    await db.db.insertInto("refund_requests").values(req).execute();
    const lines = [
      {
        id: "PAY-1",
        orderId: "ORD-1",
        chargeRef: "ORD-1",
        amount: { amount: "4800.00", currency: "USD" },
        method: "card",
        capturedAt: "2026-02-02T10:05:00Z",
        providerRef: "ch_1",
      },
      "",
      {
        orderId: "ORD-3",
        chargeRef: "ORD-3",
        amount: { amount: "0.5", currency: "BTC" },
        method: "crypto",
        capturedAt: "2026-02-02T11:00:00Z",
      },
    ];
    const text = lines.map((l) => (l === "" ? "" : JSON.stringify(l))).join("\n") + "\n";
    const r = await importFile("payments", "payments.ndjson", text);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^imported 2 payments/);
    const pays = await db.db.selectFrom("payments").selectAll().orderBy("captured_at").execute();
    expect(pays.map((p) => [p.id.startsWith("pay_") ? "pay_*" : p.id, p.client_id])).toEqual([
      ["PAY-1", "CL-7"],
      ["pay_*", "CL-8"],
    ]);
    const recs = await db.db
      .selectFrom("recommendations")
      .select(["outcome", "amount_minor"])
      .where("request_id", "=", req.id)
      .execute();
    expect(recs).toEqual([{ outcome: "refund", amount_minor: "480000" }]);
  });

  it("imports events from CSV with notes that hold commas, quotes and line breaks", async () => {
    const csv =
      "orderId,kind,from,to,note\n" +
      'ORD-1,client_blocker,2026-02-03T00:00:00Z,,"VPN access, still ""pending""\nasked twice"\n' +
      "ORD-2,external_incident,2026-02-05T00:00:00Z,2026-02-06T00:00:00Z,Provider outage\n";
    const r = await importFile("events", "events.csv", csv);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const events = await db.db
      .selectFrom("service_events")
      .selectAll()
      .orderBy("from_at")
      .execute();
    expect(events.map((e) => [e.order_id, e.kind, e.to_at, e.note, e.recorded_by])).toEqual([
      [
        "ORD-1",
        "client_blocker",
        null,
        'VPN access, still "pending"\nasked twice',
        "system:import",
      ],
      [
        "ORD-2",
        "external_incident",
        "2026-02-06T00:00:00.000Z",
        "Provider outage",
        "system:import",
      ],
    ]);
  });

  it("rejects the whole file when one row is bad: exit 2, rows listed, nothing stored", async () => {
    const before = {
      orders: await count("orders"),
      audit: await count("audit_events"),
    };
    const csv =
      `${ORDER_HEADER}\n` +
      `ORD-10,CL-7,Audit,audit,one_off,100.00,USD,2026-02-02T10:00:00Z,,,,,,,\n` +
      `ORD-11,CL-7,"Audit, quoted",audit,one_off,12.345,USD,2026-02-02T10:00:00Z,,,,,,,\n` +
      `ORD-12,CL-7,Audit,audit,one_off,100.00,USD,2026-02-02T10:00:00Z,,,,,,,\n` +
      `ORD-10,CL-8,Again,audit,one_off,1.00,USD,2026-02-02T10:00:00Z,,,,,,,\n` +
      `ORD-13,CL-404,Audit,audit,one_off,1.00,USD,2026-02-02T10:00:00Z,,,,,,,\n` +
      `ORD-14,CL-7,Audit,audit,one_off,1.00,USD\n`;
    const r = await importFile("orders", "bad.csv", csv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toEqual([
      'line 3: price.amount: "12.345" has more decimals than USD allows (2)',
      'line 5: id: an order with id "ORD-10" already exists',
      "line 6: clientId: no client with this id",
      "line 7: has 7 fields, the header has 15",
      "refund-desk: import rejected: 4 of 6 orders rows invalid; nothing was imported",
    ]);
    expect(await count("orders")).toBe(before.orders);
    expect(await count("audit_events")).toBe(before.audit);
    const ord10 = await db.db
      .selectFrom("orders")
      .select("id")
      .where("id", "=", "ORD-10")
      .execute();
    expect(ord10).toEqual([]);
  });

  it("rejects NDJSON with a broken line or a wrong field, naming line and path", async () => {
    const before = await count("payments");
    const good = {
      orderId: "ORD-1",
      chargeRef: "ORD-1",
      amount: { amount: "10.00", currency: "USD" },
      method: "card",
      capturedAt: "2026-02-02T10:05:00Z",
    };
    const text = [
      JSON.stringify(good),
      "{not json",
      JSON.stringify({ ...good, amount: { amount: 10, currency: "USD" } }),
      JSON.stringify({ ...good, refunded: "10.00" }),
      JSON.stringify({ ...good, id: "PAY-1" }),
    ].join("\n");
    const r = await importFile("payments", "p.jsonl", text);
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^line 2: not valid JSON: /);
    expect(lines.slice(1)).toEqual([
      'line 3: amount.amount: must be a decimal string such as "12.50", not a JSON number',
      "line 4: refunded: unknown field",
      'line 5: id: a different payment with id "PAY-1" is already recorded',
      "refund-desk: import rejected: 4 of 5 payments rows invalid; nothing was imported",
    ]);
    expect(await count("payments")).toBe(before);
  });

  it("lists every problem of every bad row, fields and references alike", async () => {
    const before = {
      orders: await count("orders"),
      payments: await count("payments"),
      events: await count("service_events"),
      audit: await count("audit_events"),
    };
    // Orders: a row with five wrong fields and an unknown client; a row whose id is taken, whose
    // subscription ends before it starts and whose money has both parts wrong; one good row.
    const csv =
      `${ORDER_HEADER}\n` +
      `ORD 20,CL-404,Audit,audits,one_off,12.345,USD,yesterday,,,,,,,\n` +
      `ORD-1,CL-7,Monitor,monitoring,subscription,1.2.3,XYZ,2026-02-02T10:00:00Z,,,,,` +
      `2026-03-01T00:00:00Z,2026-02-01T00:00:00Z,\n` +
      `ORD-21,CL-7,Audit,audit,one_off,10.00,USD,2026-02-02T10:00:00Z,,,,,,,\n`;
    const orders = await importFile("orders", "many.csv", csv);
    expect(orders.code).toBe(2);
    expect(orders.stdout).toBe("");
    expect(orders.stderr.trimEnd().split("\n")).toEqual([
      `line 2: id: must be 1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit`,
      'line 2: service.category: unknown value "audits"; expected one of audit, monitoring, training, consulting, support',
      'line 2: price.amount: "12.345" has more decimals than USD allows (2)',
      'line 2: placedAt: "yesterday" is not an ISO 8601 timestamp with an offset (e.g. 2026-02-01T10:00:00Z or 2026-02-01T17:00:00+07:00)',
      "line 2: clientId: no client with this id",
      'line 3: price.currency: unknown currency "XYZ"',
      'line 3: price.amount: "1.2.3" is not a decimal amount',
      "line 3: subscription.chargeRef: is required",
      "line 3: subscription.periodEnd: must be after periodStart",
      'line 3: id: an order with id "ORD-1" already exists',
      "refund-desk: import rejected: 2 of 3 orders rows invalid (10 problems); nothing was imported",
    ]);

    // Payments: unknown keys (each named), an amount that is no decimal at all with an unknown
    // currency, a bad method and an unknown order, in one row; a taken id and providerRef in another.
    const good = {
      orderId: "ORD-1",
      chargeRef: "ORD-1",
      amount: { amount: "10.00", currency: "USD" },
      method: "card",
      capturedAt: "2026-02-02T10:05:00Z",
    };
    const taken = await db.db
      .selectFrom("payments")
      .select(["id", "provider_ref"])
      .where("provider_ref", "is not", null)
      .executeTakeFirstOrThrow();
    const text = [
      JSON.stringify({
        ...good,
        orderId: "ORD-404",
        amount: { amount: 10, currency: "ABC" },
        method: "cash",
        refunded: "1.00",
        status: "paid",
      }),
      JSON.stringify({ ...good, id: taken.id, providerRef: taken.provider_ref, chargeRef: "X" }),
      JSON.stringify({ ...good, capturedAt: "2026-02-03" }),
    ].join("\n");
    const payments = await importFile("payments", "many.ndjson", text);
    expect(payments.code).toBe(2);
    expect(payments.stderr.trimEnd().split("\n")).toEqual([
      "line 1: refunded: unknown field",
      "line 1: status: unknown field",
      'line 1: amount.currency: unknown currency "ABC"',
      'line 1: amount.amount: must be a decimal string such as "12.50", not a JSON number',
      'line 1: method: unknown value "cash"; expected one of card, crypto, bank_transfer, other',
      "line 1: orderId: no order with this id",
      `line 2: id: a different payment with id "${taken.id}" is already recorded`,
      "line 2: providerRef: this provider reference is already recorded for a different payment",
      'line 3: capturedAt: "2026-02-03" is not an ISO 8601 timestamp with an offset (e.g. 2026-02-01T10:00:00Z or 2026-02-01T17:00:00+07:00)',
      "refund-desk: import rejected: 3 of 3 payments rows invalid (9 problems); nothing was imported",
    ]);

    // Events: a bad kind, an end before the start, an empty note and an unknown order, one row.
    const events = await importFile(
      "events",
      "many-events.csv",
      "orderId,kind,from,to,note\n" +
        "ORD-404,outage,2026-02-10T00:00:00Z,2026-02-09T00:00:00Z,\n" +
        "ORD-3,internal_fault,2026-02-10T00:00:00Z,2026-02-09T00:00:00Z,Disk\n",
    );
    expect(events.code).toBe(2);
    expect(events.stderr.trimEnd().split("\n")).toEqual([
      'line 2: kind: unknown value "outage"; expected one of client_blocker, external_incident, internal_fault',
      "line 2: to: must not be before from",
      "line 2: note: is required",
      "line 2: orderId: no order with this id",
      "line 3: to: must not be before from",
      "refund-desk: import rejected: 2 of 2 events rows invalid (5 problems); nothing was imported",
    ]);

    expect(await count("orders")).toBe(before.orders);
    expect(await count("payments")).toBe(before.payments);
    expect(await count("service_events")).toBe(before.events);
    expect(await count("audit_events")).toBe(before.audit);
  });

  it("refuses an unusable file before touching the database", async () => {
    // CliError: printed as one line by the program, exit code 2.
    await expect(importFile("events", "e.csv", "orderId,kind,from,status\n")).rejects.toMatchObject(
      {
        exitCode: 2,
        message: expect.stringMatching(/line 1: unknown column "status" for events/),
      },
    );
    await expect(importFile("events", "e.txt", "orderId,kind,from,to,note\n")).rejects.toThrow(
      /cannot tell the format .*pass --format/,
    );
    await expect(importFile("events", "e2.csv", "")).rejects.toThrow(/empty/);
    await expect(
      importFile("events", "e3.csv", 'orderId,kind,from,to,note\nORD-1,"open\n'),
    ).rejects.toThrow(/line 2: Quote Not Closed/);
  });

  it("takes --format over the extension", async () => {
    const r = await importFile(
      "events",
      "events.txt",
      "orderId,kind,from,to,note\nORD-3,internal_fault,2026-02-10T00:00:00Z,,Disk failure\n",
      { format: "csv" },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^imported 1 events/);
  });

  it("draws a progress bar on a terminal, clears it, and is quiet when asked", async () => {
    const r = await importFile(
      "events",
      "tty.csv",
      "orderId,kind,from,to,note\nORD-3,internal_fault,2026-02-11T00:00:00Z,,Again\n",
      { tty: true },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/checking events \[[#=-]*\] +\d+% \| \d+ rows/);
    expect(r.stderr).toMatch(/importing events \[[#=-]*\] 100% \| 1 rows \| \d+ rows\/s/);
    expect(r.stdout).toMatch(/^imported 1 events from .*tty\.csv in [\d.]+ s \(\d+ rows\/s\)\n$/);
    const quiet = await importFile(
      "events",
      "quiet.csv",
      "orderId,kind,from,to,note\nORD-3,internal_fault,2026-02-12T00:00:00Z,,Again\n",
      { tty: true, quiet: true },
    );
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe("");
    const plain = await importFile(
      "events",
      "plain.csv",
      "orderId,kind,from,to,note\nORD-3,internal_fault,2026-02-13T00:00:00Z,,Again\n",
    );
    expect(plain.stderr).toBe("");
    // stdout piped (`refund-desk import ... | tee log`), stderr still the terminal: silent too.
    const piped = await importFile(
      "events",
      "piped.csv",
      "orderId,kind,from,to,note\nORD-3,internal_fault,2026-02-13T01:00:00Z,,Again\n",
      { stderrTty: true },
    );
    expect(piped.code).toBe(0);
    expect(piped.stderr).toBe("");
    expect(piped.stdout).toMatch(/^imported 1 events/);
  });

  it("checks every row with --dry-run and writes nothing", async () => {
    const before = { events: await count("service_events"), audit: await count("audit_events") };
    const csv = "orderId,kind,from,to,note\nORD-3,internal_fault,2026-02-14T00:00:00Z,,Dry\n";
    const ok = await importFile("events", "dry.csv", csv, { dryRun: true });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^checked 1 events from .*dry\.csv: all valid, nothing written/);
    const bad = await importFile(
      "events",
      "dry-bad.csv",
      "orderId,kind,from,to,note\nORD-404,internal_fault,2026-02-14T00:00:00Z,,Dry\n",
      { dryRun: true },
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("line 2: orderId: no order with this id");
    expect(await count("service_events")).toBe(before.events);
    expect(await count("audit_events")).toBe(before.audit);
  });

  it("rejects a payment id used twice in one file for different payments (found while writing), and skips an identical repeat", async () => {
    const before = { payments: await count("payments"), audit: await count("audit_events") };
    const pay = (id: string, amount: string) =>
      JSON.stringify({
        id,
        orderId: "ORD-1",
        chargeRef: "ORD-1",
        amount: { amount, currency: "USD" },
        method: "card",
        capturedAt: "2026-02-05T10:00:00Z",
      });
    const clash = await importFile(
      "payments",
      "pay-twice.ndjson",
      [pay("PAY-T1", "1.00"), pay("PAY-T2", "1.00"), pay("PAY-T1", "2.00")].join("\n"),
    );
    expect(clash.code).toBe(2);
    expect(clash.stderr.trimEnd().split("\n")).toEqual([
      'line 3: id: a different payment with id "PAY-T1" is already recorded',
      "refund-desk: import rejected: 1 of 3 payments rows invalid; nothing was imported",
    ]);
    expect(await count("payments")).toBe(before.payments);
    expect(await count("audit_events")).toBe(before.audit);

    const repeat = await importFile(
      "payments",
      "pay-repeat.ndjson",
      [pay("PAY-T3", "1.00"), pay("PAY-T3", "1.00")].join("\n"),
    );
    expect(repeat.stderr).toBe("");
    expect(repeat.code).toBe(0);
    expect(await count("payments")).toBe(before.payments + 1);
    const entries = await db.db
      .selectFrom("audit_events")
      .select(["action", "summary"])
      .where("entity_id", "=", "PAY-T3")
      .execute();
    expect(entries).toHaveLength(1);
    expect(entries[0]?.action).toBe("payment.recorded");
    expect(JSON.parse(entries[0]?.summary ?? "{}")).toMatchObject({ amount: { amount: "1.00" } });
  });

  it("rejects an order id used twice in one file, and writes nothing", async () => {
    const before = { orders: await count("orders"), audit: await count("audit_events") };
    const row = (id: string) =>
      `${id},CL-7,Audit,audit,one_off,10.00,USD,2026-02-02T10:00:00Z,,,,,,,`;
    const csv = `${ORDER_HEADER}\n${row("ORD-T1")}\n${row("ORD-T2")}\n${row("ORD-T1")}\n`;
    const r = await importFile("orders", "twice.csv", csv);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split("\n")).toEqual([
      'line 4: id: an order with id "ORD-T1" already exists',
      "refund-desk: import rejected: 1 of 3 orders rows invalid; nothing was imported",
    ]);
    expect(await count("orders")).toBe(before.orders);
    expect(await count("audit_events")).toBe(before.audit);
  });

  it("writes across several batches in one transaction, audit chain intact", async () => {
    const before = await count("orders");
    const rows = Array.from(
      { length: 2500 },
      (_, i) => `ORD-B${i},CL-8,Audit,audit,one_off,1.00,USD,2026-02-02T10:00:00Z,,,,,,,`,
    );
    const r = await importFile("orders", "big.csv", `${ORDER_HEADER}\n${rows.join("\n")}\n`);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(await count("orders")).toBe(before + 2500);
    const { verifyAudit } = await import("../db/audit.js");
    expect(await verifyAudit(db.db)).toMatchObject({ ok: true });
  });

  it("writes the audit summaries the single-row writes make: the stored rows as the API shows them", async () => {
    const csv =
      `${ORDER_HEADER}\n` +
      `ORD-S1,CL-7,Audit,audit,one_off,0.5,BTC,2026-02-02T10:00:00.120+07:00,2026-02-09T10:00:00Z,,2026-02-03T00:00:00.5Z,,,,\n` +
      `ORD-S2,CL-8,"Watch, ""24/7""",monitoring,subscription,31.00,EUR,2026-01-01T00:00:00Z,,,,,2026-03-01T00:00:00Z,2026-04-01T00:00:00.001Z,ORD-S2/03\n`;
    expect((await importFile("orders", "summaries.csv", csv)).code).toBe(0);
    const payments =
      "id,orderId,chargeRef,amount.amount,amount.currency,method,capturedAt,providerRef\n" +
      "PAY-S1,ORD-S1,ORD-S1,0.25,BTC,crypto,2026-02-02T12:00:00.250+01:00,ch_s1\n" +
      ",ORD-S2,ORD-S2/03,31,EUR,card,2026-03-01T00:00:00Z,\n";
    expect((await importFile("payments", "summaries-pay.csv", payments)).code).toBe(0);

    const entries = await db.db
      .selectFrom("audit_events")
      .select(["action", "entity_id", "summary"])
      .where("action", "in", ["order.created", "payment.recorded"])
      .where((eb) =>
        eb.or([eb("entity_id", "in", ["ORD-S1", "ORD-S2"]), eb("summary", "like", "%ORD-S%")]),
      )
      .orderBy("seq")
      .execute();
    expect(entries.map((e) => e.action)).toEqual([
      "order.created",
      "order.created",
      "payment.recorded",
      "payment.recorded",
    ]);
    const { canonicalJson } = await import("../db/audit.js");
    const { presentOrder, presentPayment } = await import("../app/orders/present.js");
    for (const e of entries) {
      if (e.action === "order.created") {
        const row = await db.db
          .selectFrom("orders")
          .selectAll()
          .where("id", "=", e.entity_id)
          .executeTakeFirstOrThrow();
        const { version, createdAt, updatedAt, ...facts } = presentOrder(row);
        void [version, createdAt, updatedAt];
        expect(e.summary).toBe(canonicalJson(facts as unknown as JsonValue));
      } else {
        const row = await db.db
          .selectFrom("payments")
          .selectAll()
          .where("id", "=", e.entity_id)
          .executeTakeFirstOrThrow();
        const shown = presentPayment(row);
        expect(e.summary).toBe(
          canonicalJson({
            paymentId: shown.id,
            orderId: shown.orderId,
            clientId: shown.clientId,
            chargeRef: shown.chargeRef,
            amount: { ...shown.amount },
            method: shown.method,
            capturedAt: shown.capturedAt,
          }),
        );
      }
    }
    const { verifyAudit } = await import("../db/audit.js");
    expect(await verifyAudit(db.db)).toMatchObject({ ok: true });
  });

  it.skipIf(testDatabaseUrl() !== undefined)(
    "runs as `refund-desk import` on the database DATA_DIR names",
    async () => {
      const saved = {
        DATA_DIR: process.env["DATA_DIR"],
        DATABASE_URL: process.env["DATABASE_URL"],
      };
      process.env["DATA_DIR"] = db.options.dataDir;
      delete process.env["DATABASE_URL"];
      try {
        const file = writeTemp(
          dir,
          "cli.ndjson",
          JSON.stringify({
            orderId: "ORD-2",
            kind: "client_blocker",
            from: "2026-03-01T00:00:00Z",
            note: "Waiting for the client",
          }) + "\n",
        );
        const ok = await run(["import", "events", file]);
        expect(ok.stderr).toBe("");
        expect(ok.code).toBe(0);
        expect(ok.stdout).toMatch(/^imported 1 events/);
        const bad = await run(["import", "refunds", file]);
        expect(bad.code).toBe(2);
        expect(bad.stderr).toMatch(/unknown kind "refunds"/);
      } finally {
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
    },
  );
});

async function all(rows: AsyncIterable<ImportRow>): Promise<ImportRow[]> {
  const out: ImportRow[] = [];
  for await (const r of rows) out.push(r);
  return out;
}

const csv = (text: string, kind: ImportKind) => all(csvRows(Readable.from([text]), kind));

describe("import rows", () => {
  it("turns CSV cells into the API's JSON shape: dotted columns nest, empty cells are null", async () => {
    const rows = await csv(
      "id,orderId,chargeRef,amount.amount,amount.currency,method,capturedAt,providerRef\n" +
        ",O-1,O-1,12.50,EUR,card,2026-01-01T00:00:00Z,\n",
      "payments",
    );
    expect(rows).toEqual([
      {
        line: 2,
        value: {
          id: null,
          orderId: "O-1",
          chargeRef: "O-1",
          amount: { amount: "12.50", currency: "EUR" },
          method: "card",
          capturedAt: "2026-01-01T00:00:00Z",
          providerRef: null,
        },
      },
    ]);
  });

  it("makes an all-empty nested group null (no subscription) and keeps a partial one", async () => {
    const header = "subscription.periodStart,subscription.periodEnd,subscription.chargeRef";
    const [none, partial] = await csv(`${header}\n,,\n2026-01-01T00:00:00Z,,\n`, "orders");
    expect(none).toEqual({ line: 2, value: { subscription: null } });
    expect(partial).toEqual({
      line: 3,
      value: {
        subscription: { periodStart: "2026-01-01T00:00:00Z", periodEnd: null, chargeRef: null },
      },
    });
  });

  it("numbers NDJSON lines physically, skipping blank ones", async () => {
    expect(await all(ndjsonRows(Readable.from(['{"a":1}\r\n\n  \n{"b":2}'])))).toEqual([
      { line: 1, value: { a: 1 } },
      { line: 4, value: { b: 2 } },
    ]);
  });

  it("reads a BOM, CRLF, quoted commas, quotes and line breaks, naming the line a record starts on", async () => {
    const text =
      "\ufefforderId,kind,from,to,note\r\n" +
      'O-1,client_blocker,2026-01-01T00:00:00Z,,"a, b ""c""\r\nd"\r\n' +
      "\r\n" +
      "O-2,internal_fault,2026-01-02T00:00:00Z,,e\r\n" +
      "O-3,too,many,fields,here,x\r\n";
    expect(await csv(text, "events")).toEqual([
      {
        line: 2,
        value: {
          orderId: "O-1",
          kind: "client_blocker",
          from: "2026-01-01T00:00:00Z",
          to: null,
          note: 'a, b "c"\r\nd',
        },
      },
      {
        line: 5,
        value: {
          orderId: "O-2",
          kind: "internal_fault",
          from: "2026-01-02T00:00:00Z",
          to: null,
          note: "e",
        },
      },
      { line: 6, error: "has 6 fields, the header has 5" },
    ]);
  });

  it("counts lines in an LF file with blank lines before the header and quoted line breaks", async () => {
    const text =
      "\n\norderId,kind,from,to,note\n" +
      'O-1,client_blocker,2026-01-01T00:00:00Z,,"one\ntwo\n\nthree"\n' +
      "\n" +
      "O-2,internal_fault,2026-01-02T00:00:00Z,,e\n";
    const rows = await csv(text, "events");
    expect(rows.map((r) => r.line)).toEqual([4, 9]);
    expect(rows[0]).toMatchObject({ value: { note: "one\ntwo\n\nthree" } });
  });
});
