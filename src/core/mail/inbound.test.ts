import { describe, expect, it } from "vitest";
import {
  isAutomatic,
  orderIdCandidates,
  parseReplyAddress,
  reasonFromText,
  replyAddress,
  stripQuoted,
} from "./inbound.js";

describe("isAutomatic", () => {
  it.each([
    [{ "auto-submitted": "auto-replied" }, "Auto-Submitted"],
    [{ "auto-submitted": "auto-generated" }, "Auto-Submitted"],
    [{ precedence: "bulk" }, "Precedence"],
    [{ precedence: "junk" }, "Precedence"],
    [{ precedence: "list" }, "Precedence"],
    [{ "x-autoreply": "yes" }, "X-Autoreply"],
    [{ "x-auto-response-suppress": "All" }, "X-Auto-Response-Suppress"],
    [{ "list-id": "<news.client.test>" }, "mailing list"],
    [{ "content-type": "multipart/report; report-type=delivery-status" }, "report"],
    [{ from: "Mail Delivery System <MAILER-DAEMON@mx.test>" }, "mailer-daemon"],
    [{ subject: "Out of Office: back Monday" }, "subject"],
    [{ subject: "Automatic reply: Refund" }, "subject"],
    [{ subject: "Undeliverable: Refund" }, "subject"],
  ])("%j is automatic", (headers, why) => {
    expect(isAutomatic(headers, "someone@client.test")).toContain(why);
  });

  it("the null sender is a bounce", () => {
    expect(isAutomatic({}, "")).toContain("bounce");
  });

  it("a person's message, and Auto-Submitted: no, are not", () => {
    expect(isAutomatic({ subject: "Refund for ORD-1" }, "a@client.test")).toBeNull();
    expect(isAutomatic({ "auto-submitted": "no" }, "a@client.test")).toBeNull();
    expect(isAutomatic({ subject: "Re: Out of scope work" }, null)).toBeNull();
  });
});

describe("stripQuoted", () => {
  it.each([
    [
      "Gmail-style attribution",
      "Thanks, here it is.\n\nOn Mon, 2 Mar 2026 at 10:00, Desk <d@desk.test> wrote:\n> old text\n> more",
      "Thanks, here it is.",
    ],
    [
      "an attribution broken over two lines",
      "Yes.\n\nOn Mon, 2 Mar 2026 at 10:00, Refund Desk\n<no-reply@desk.test> wrote:\n> old",
      "Yes.",
    ],
    [
      "Outlook's headers block",
      "See attached.\r\n\r\nFrom: Refund Desk <d@desk.test>\r\nSent: Monday, March 2, 2026 10:00\r\nTo: Alice\r\nSubject: Your request\r\n\r\nold text",
      "See attached.",
    ],
    ["an original-message separator", "Fine.\n-----Original Message-----\nold", "Fine."],
    ["the signature separator", "It never started.\n\n-- \nAlice\nClient Ltd", "It never started."],
    ["a mobile footer", "Ok\n\nSent from my iPhone", "Ok"],
    [
      "a German attribution",
      "Ja.\n\nAm 02.03.2026 um 10:00 schrieb Desk <d@desk.test>:\n> alt",
      "Ja.",
    ],
    ["interleaved quotes", "> Which invoice?\nINV-7\n> When?\nIn March", "INV-7\nIn March"],
    ["a message without history", "Just this.\nTwo lines.", "Just this.\nTwo lines."],
  ])("%s", (_name, text, expected) => {
    expect(stripQuoted(text)).toBe(expected);
  });

  it("keeps a line that merely starts with 'From:' without a headers block after it", () => {
    expect(stripQuoted("From: our side, all is fine.\nThanks")).toBe(
      "From: our side, all is fine.\nThanks",
    );
  });
});

describe("reasonFromText", () => {
  it.each([
    ["We were charged twice for this order.", "duplicate_payment"],
    ["There is a duplicate payment on our card.", "duplicate_payment"],
    ["The audit was never started.", "not_delivered"],
    ["Nothing has been delivered so far.", "not_delivered"],
    ["We did not use the subscription at all in March.", "unused_subscription"],
    ["This is not what we ordered.", "mismatch"],
  ])("%s -> %s", (text, reason) => {
    expect(reasonFromText(text)).toBe(reason);
  });

  it("is null when the text does not say, or says two things", () => {
    expect(reasonFromText("We are unhappy. Please refund.")).toBeNull();
    expect(reasonFromText("It never started, and we were charged twice.")).toBeNull();
  });
});

describe("orderIdCandidates", () => {
  it("finds id-like words with a digit, without trailing punctuation", () => {
    expect(orderIdCandidates("Refund for ORD-2026-0142. Also ord_42, and 7.")).toEqual([
      "ORD-2026-0142",
      "ord_42",
    ]);
  });

  it("is bounded", () => {
    expect(
      orderIdCandidates(Array.from({ length: 500 }, (_, i) => `A${i}x`).join(" "), 10),
    ).toHaveLength(10);
  });
});

describe("reply addresses", () => {
  const mailbox = { local: "support", domain: "desk.test" };
  const id = "req_348ed14f-1111-4222-8333-944445555666";

  it("name the request and carry the token, and read back", () => {
    const address = replyAddress(mailbox, id, "0123456789abcdef");
    expect(address).toBe("support+REQ-348ED14F-0123456789abcdef@desk.test");
    expect(
      parseReplyAddress(mailbox, address.toUpperCase().replace("DESK.TEST", "desk.test")),
    ).toEqual({
      reference: "REQ-348ED14F",
      token: "0123456789abcdef",
    });
  });

  it("are only the mailbox's own", () => {
    expect(parseReplyAddress(mailbox, "support@desk.test")).toBeNull();
    expect(parseReplyAddress(mailbox, "other+REQ-348ED14F-abc@desk.test")).toBeNull();
    expect(parseReplyAddress(mailbox, "support+REQ-348ED14F-abc@evil.test")).toBeNull();
    expect(parseReplyAddress(mailbox, "support+REQ-348ED1-abc@desk.test")).toBeNull();
  });
});
