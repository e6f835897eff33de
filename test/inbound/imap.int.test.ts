// The IMAP way in (issue 19): the desk polls a support mailbox (hoodiecrow, a scriptable IMAP
// server, on localhost), stores each message raw and only then moves it to the processed folder;
// a second poll finds nothing; a message left in the mailbox by a crash after storing is stored
// once (a duplicate) and moved. Then the worker's step files it as it would a message by SMTP.

import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { ImapFlow } from "imapflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseImapUrl, startImapPoll } from "../../src/inbound/imap-poll.js";
import { processInboundMail } from "../../src/app/inbound/process-inbound-mail.js";
import { DEFAULT_ATTACHMENT_LIMITS } from "../../src/app/attachments/storage.js";
import { testServer, type TestServer } from "../support/http.js";
import { newClient, newOrder } from "../support/api-world.js";

const require = createRequire(import.meta.url);
const hoodiecrow = require("hoodiecrow-imap") as (options: unknown) => {
  listen(port: number, host: string, cb: () => void): void;
  server: { address(): AddressInfo };
  close(cb: () => void): void;
};

const raw = (id: string, from: string, subject: string, text: string) =>
  `From: ${from}\r\nTo: support@desk.test\r\nSubject: ${subject}\r\nMessage-ID: <${id}>\r\nDate: Mon, 2 Mar 2026 09:00:00 +0000\r\n\r\n${text}\r\n`;

let t: TestServer;
let server: ReturnType<typeof hoodiecrow>;
let url: string;

function imapClient(): ImapFlow {
  const source = parseImapUrl(url);
  return new ImapFlow({
    host: source.host,
    port: source.port,
    secure: false,
    doSTARTTLS: false,
    auth: { user: source.user, pass: source.password },
    logger: false,
  });
}

async function mailboxes(): Promise<Record<string, number>> {
  const client = imapClient();
  await client.connect();
  try {
    const out: Record<string, number> = {};
    for (const box of ["INBOX", "Processed"]) {
      const status = await client.status(box, { messages: true });
      out[box] = status === false ? -1 : (status.messages ?? -1);
    }
    return out;
  } finally {
    await client.logout();
  }
}

beforeAll(async () => {
  t = await testServer();
  const alice = await newClient(t, [{ email: "alice@client.test" }]);
  await newOrder(t, alice, { order: { id: "ORD-2026-0142" } });
  server = hoodiecrow({
    plugins: [],
    storage: {
      INBOX: {
        messages: [
          {
            raw: raw(
              "imap-1@client.test",
              "alice@client.test",
              "ORD-2026-0142",
              "It was never started.",
            ),
          },
          { raw: raw("imap-2@elsewhere.test", "x@elsewhere.test", "Hello", "Who are you?") },
        ],
      },
      "": { separator: "/", folders: { Processed: {} } },
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `imap://testuser:testpass@127.0.0.1:${server.server.address().port}/INBOX?processed=Processed`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await t?.close();
});

describe("polling a support mailbox over IMAP", () => {
  it("reads INBOUND_IMAP_URL", () => {
    expect(parseImapUrl("imaps://u%40x:p%2Fw@mail.test/Support?processed=Done")).toEqual({
      host: "mail.test",
      port: 993,
      secure: true,
      user: "u@x",
      password: "p/w",
      mailbox: "Support",
      processed: "Done",
    });
    expect(() => parseImapUrl("http://mail.test")).toThrow(/imap/);
  });

  it("stores each message, then moves it to the processed folder; the worker files it", async () => {
    const poll = startImapPoll(t.deps, {
      source: parseImapUrl(url),
      maxBytes: 1_000_000,
      intervalMs: 60_000,
      autoStart: false,
    });
    expect(await poll.pollOnce()).toBe(2);
    expect(await mailboxes()).toEqual({ INBOX: 0, Processed: 2 });
    expect(await poll.pollOnce()).toBe(0);
    await poll.stop();
    const rows = await t.db.db
      .selectFrom("inbound_mail")
      .select(["message_id", "status"])
      .execute();
    expect(rows.map((r) => r.message_id).sort()).toEqual([
      "imap-1@client.test",
      "imap-2@elsewhere.test",
    ]);

    await processInboundMail(
      t.deps,
      {
        mailbox: null,
        tokenSecret: null,
        maxBytes: 1_000_000,
        attachments: DEFAULT_ATTACHMENT_LIMITS,
        resolver: (d) => Promise.reject(Object.assign(new Error(d), { code: "ENOTFOUND" })),
      },
      10,
    );
    const after = await t.db.db
      .selectFrom("inbound_mail")
      .select(["message_id", "status", "outcome"])
      .orderBy("message_id")
      .execute();
    expect(after).toEqual([
      { message_id: "imap-1@client.test", status: "done", outcome: "request_created" },
      { message_id: "imap-2@elsewhere.test", status: "triage", outcome: "unknown_sender" },
    ]);
  });

  it("a message stored but not moved (a crash between the two) is stored once and moved", async () => {
    const client = imapClient();
    await client.connect();
    try {
      await client.append(
        "INBOX",
        raw("imap-1@client.test", "alice@client.test", "ORD-2026-0142", "It was never started."),
      );
    } finally {
      await client.logout();
    }
    const poll = startImapPoll(t.deps, {
      source: parseImapUrl(url),
      maxBytes: 1_000_000,
      intervalMs: 60_000,
      autoStart: false,
    });
    expect(await poll.pollOnce()).toBe(1);
    await poll.stop();
    expect(await mailboxes()).toEqual({ INBOX: 0, Processed: 3 });
    const rows = await t.db.db
      .selectFrom("inbound_mail")
      .select("id")
      .where("message_id", "=", "imap-1@client.test")
      .execute();
    expect(rows).toHaveLength(1);
  });
});
