import { describe, expect, it } from "vitest";
import { money } from "../../core/money/money.js";
import {
  escapeHtml,
  formatDay,
  renderEmail,
  requestLink,
  shortRef,
  TEMPLATES,
  type RenderInput,
  type TemplateData,
} from "./render.js";

const REQUEST = {
  id: "req_0b0e7c1e-8c5c-4d1e-9a3f-2f6c5d7e8a90",
  orderId: "ORD-1042",
  serviceName: "External penetration test",
};

const input = (data: TemplateData, over: Partial<RenderInput> = {}): RenderInput => ({
  publicUrl: "https://refunds.example.com",
  recipientName: "Carla",
  request: REQUEST,
  data,
  ...over,
});

const usd = (minor: bigint) => money(minor, "USD");

/** One valid data value per template, so every template is rendered by the table tests. */
const SAMPLES: Record<(typeof TEMPLATES)[number], TemplateData> = {
  request_received: { template: "request_received" },
  question_asked: { template: "question_asked", question: "Which deliverables were missing?" },
  reply_reminder: {
    template: "reply_reminder",
    question: "Which deliverables were missing?",
    lastDay: "2026-03-09",
    overdue: false,
  },
  decision: { template: "decision", outcome: "approved", amount: usd(480000n) },
  alternative_offered: { template: "alternative_offered", kind: "re-delivery", note: "Next week." },
  client_answered: { template: "client_answered", answer: "The report." },
  alternative_accepted: { template: "alternative_accepted", kind: "re-delivery" },
  alternative_declined: { template: "alternative_declined", kind: null },
  request_withdrawn: { template: "request_withdrawn" },
  message_posted: { template: "message_posted", body: "Any news?", from: "client" },
  refund_sent: {
    template: "refund_sent",
    amount: usd(480000n),
    method: "card",
    dueEarliest: "2026-02-25",
    dueLatest: "2026-03-06",
  },
  refund_failed: {
    template: "refund_failed",
    amount: usd(480000n),
    method: "card",
    reason: "expired_or_canceled_card",
  },
  payout_overdue: {
    template: "payout_overdue",
    payoutId: "po_1",
    amount: usd(480000n),
    method: "card",
    status: "pending",
    dueLatest: "2026-03-06",
  },
  payout_needs_action: {
    template: "payout_needs_action",
    payoutId: "po_1",
    amount: usd(480000n),
    method: "card",
    status: "failed",
    reason: "expired_or_canceled_card",
    dueLatest: "2026-03-06",
  },
  destination_needed: {
    template: "destination_needed",
    payoutId: "po_1",
    amount: usd(480000n),
    kind: "crypto",
    asset: "BTC",
    dueLatest: "2026-03-06",
  },
  destination_reminder: {
    template: "destination_reminder",
    payoutId: "po_1",
    amount: usd(480000n),
    kind: "bank",
    asset: null,
    dueLatest: "2026-03-06",
  },
};

describe("helpers", () => {
  it("escapes the five HTML-significant characters and nothing else", () => {
    expect(escapeHtml(`<a href="x">Tom & 'Jerry'</a> ü`)).toBe(
      "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt; ü",
    );
  });

  it("short references take the id's first 8 hex digits", () => {
    expect(shortRef(REQUEST.id)).toBe("REQ-0B0E7C1E");
    expect(shortRef("req_abc")).toBe("REQ-ABC");
  });

  it("formats calendar days in words, leaving anything else alone", () => {
    expect(formatDay("2026-02-25")).toBe("25 February 2026");
    expect(formatDay("2024-12-01")).toBe("1 December 2024");
    expect(formatDay("2026-13-01")).toBe("2026-13-01");
    expect(formatDay("soon")).toBe("soon");
  });

  it("links to the request under the public URL, with or without a trailing slash", () => {
    expect(requestLink("https://x.test/", "req_1")).toBe("https://x.test/requests/req_1");
    expect(requestLink("https://x.test/desk", "a/b")).toBe("https://x.test/desk/requests/a%2Fb");
  });
});

describe("every template", () => {
  it("has a sample (the table covers them all)", () => {
    expect(Object.keys(SAMPLES).sort()).toEqual([...TEMPLATES].sort());
  });

  for (const template of TEMPLATES) {
    it(`${template}: subject, text and HTML carry the reference, the greeting and the link`, () => {
      const mail = renderEmail(input(SAMPLES[template]));
      expect(mail.subject).toContain("REQ-0B0E7C1E");
      expect(mail.subject).not.toMatch(/[\r\n]/);
      expect(mail.text).toContain("Hello Carla,");
      expect(mail.text).toContain(`https://refunds.example.com/requests/${REQUEST.id}`);
      expect(mail.html).toContain(`href="https://refunds.example.com/requests/${REQUEST.id}"`);
      expect(mail.html).toContain("<p>Hello Carla,</p>");
      // Deterministic: the same input renders the same bytes.
      expect(renderEmail(input(SAMPLES[template]))).toEqual(mail);
    });

    it(`${template}: whatever people typed is escaped in the HTML and kept verbatim in the text`, () => {
      const evil = `<script>alert("x")</script> & <img src=x onerror=1>`;
      const data = { ...SAMPLES[template] } as Record<string, unknown>;
      for (const k of ["question", "note", "answer", "body"]) if (k in data) data[k] = evil;
      const mail = renderEmail(
        input(data as TemplateData, {
          recipientName: `Eve <b>`,
          request: { ...REQUEST, serviceName: `Audit <i>"quoted"</i>`, orderId: "O<1>" },
        }),
      );
      expect(mail.html).not.toMatch(/<script|<img|<b>|<i>/);
      expect(mail.html).toContain("Hello Eve &lt;b&gt;,");
      expect(mail.html).toContain("Audit &lt;i&gt;&quot;quoted&quot;&lt;/i&gt;");
      if (
        [
          "question_asked",
          "reply_reminder",
          "alternative_offered",
          "client_answered",
          "message_posted",
        ].includes(template)
      ) {
        expect(mail.html).toContain(
          "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img",
        );
        expect(mail.text).toContain(`> ${evil}`);
      }
      expect(mail.subject).not.toContain("<script");
    });
  }
});

describe("contents", () => {
  it("refund_sent: the exact amount and the window when the money should arrive", () => {
    const mail = renderEmail(input(SAMPLES.refund_sent));
    expect(mail.subject).toBe("Your refund of 4800.00 USD is on its way (REQ-0B0E7C1E)");
    expect(mail.text).toContain("We sent 4800.00 USD back to the card you paid with");
    expect(mail.text).toContain("It should reach you between 25 February 2026 and 6 March 2026.");
    expect(mail.html).toContain("between 25 February 2026 and 6 March 2026");
  });

  it("refund_sent on one day says by when", () => {
    const mail = renderEmail(
      input({ ...SAMPLES.refund_sent, dueEarliest: "2026-03-06" } as TemplateData),
    );
    expect(mail.text).toContain("It should reach you by 6 March 2026.");
  });

  it("amounts come from minor units with the currency's exponent, never a float", () => {
    const cases: [bigint, string, string][] = [
      [1n, "USD", "0.01 USD"],
      [100n, "JPY", "100 JPY"],
      [1234n, "BHD", "1.234 BHD"],
      [123456789012345678901n, "ETH", "123.456789012345678901 ETH"],
      [1n, "BTC", "0.00000001 BTC"],
    ];
    for (const [minor, currency, shown] of cases) {
      const mail = renderEmail(
        input({
          template: "decision",
          outcome: "approved",
          amount: money(minor, currency),
        }),
      );
      expect(mail.subject).toBe(`Your refund request REQ-0B0E7C1E was approved: ${shown}`);
      expect(mail.text).toContain(`We will refund ${shown}.`);
    }
  });

  it("a denial names no amount", () => {
    const mail = renderEmail(input({ template: "decision", outcome: "denied", amount: null }));
    expect(mail.subject).toBe("Your refund request REQ-0B0E7C1E was declined");
    expect(mail.text).not.toMatch(/\d+\.\d\d/);
  });

  it("a denial gives the reviewer's reason and the policy's words it rests on, and how to appeal", () => {
    const mail = renderEmail(
      input({
        template: "decision",
        outcome: "denied",
        amount: null,
        reason: "The report was delivered on 20 February <b>and</b> accepted.",
        clauses: [
          { id: "excluded.completed", text: "Completed services: refunds are not possible." },
          { id: "custom.unknown", text: null },
        ],
        appealWindowDays: 14,
      }),
    );
    expect(mail.subject).toBe("Your refund request REQ-0B0E7C1E was declined");
    expect(mail.text).toContain(
      "Our reviewer's reason:\n\n> The report was delivered on 20 February <b>and</b> accepted.",
    );
    expect(mail.text).toContain(
      "The parts of our refund policy it rests on:\n\n> Completed services: refunds are not possible.\n\n> custom.unknown",
    );
    expect(mail.text).toContain("appeal the decision once in the portal within 14 days");
    expect(mail.html).toContain("20 February &lt;b&gt;and&lt;/b&gt; accepted.");
    expect(mail.html).not.toContain("<b>and</b>");
  });

  it("refund_failed explains known reasons only, never a provider's raw message", () => {
    const known = renderEmail(input(SAMPLES.refund_failed));
    expect(known.text).toContain("did not go through: the card has expired or was cancelled.");
    const raw = renderEmail(
      input({
        ...SAMPLES.refund_failed,
        reason: "stripe internal: acct_123 blew up",
      } as TemplateData),
    );
    expect(raw.text).toContain("did not go through.");
    expect(raw.text).not.toContain("acct_123");
  });

  it("quoted text keeps its lines, each marked in the plain body", () => {
    const mail = renderEmail(
      input({ template: "question_asked", question: "First line\nSecond line" }),
    );
    expect(mail.text).toContain("> First line\n> Second line");
    expect(mail.html).toContain(
      '<blockquote style="white-space:pre-wrap">First line\nSecond line</blockquote>',
    );
  });

  it("messages read differently for the client and for staff", () => {
    const toClient = renderEmail(input({ template: "message_posted", body: "Hi", from: "staff" }));
    const toStaff = renderEmail(input({ template: "message_posted", body: "Hi", from: "client" }));
    expect(toClient.subject).toBe("A new message about your refund request REQ-0B0E7C1E");
    expect(toStaff.subject).toBe("The client wrote on REQ-0B0E7C1E");
  });

  it("payout_overdue tells finance the payout, its amount and since when", () => {
    const mail = renderEmail(input(SAMPLES.payout_overdue));
    expect(mail.subject).toBe("Payout overdue: 4800.00 USD on REQ-0B0E7C1E");
    expect(mail.text).toContain("po_1");
    expect(mail.text).toContain("was due by 6 March 2026 and is still pending");
  });
});

describe("destination e-mails (issue 11, bug 5)", () => {
  it("the crypto approval e-mail asks for the wallet address with a link to where to give it", () => {
    const mail = renderEmail({
      publicUrl: "https://refunds.example.com/",
      recipientName: "Bob",
      request: { id: "req_0123456789abcdef", orderId: "ORD-1008", serviceName: "Pen test" },
      data: SAMPLES.destination_needed,
    });
    expect(mail.subject).toMatch(/where should we send it/);
    expect(mail.text).toContain("BTC wallet address");
    expect(mail.text).toContain("https://refunds.example.com/payouts/po_1");
    expect(mail.html).toContain("https://refunds.example.com/payouts/po_1");
  });
  it("the reminder says it is still waiting; bank reissues ask for bank details", () => {
    const mail = renderEmail({
      publicUrl: "https://refunds.example.com",
      recipientName: "Bob",
      request: { id: "req_0123456789abcdef", orderId: "ORD-1008", serviceName: "Pen test" },
      data: SAMPLES.destination_reminder,
    });
    expect(mail.subject).toMatch(/^Reminder: we still need your bank details/);
    expect(mail.text).toContain("IBAN");
  });
  it("the reply-by reminder quotes the question and names the last day, or says it passed", () => {
    const due = renderEmail(input(SAMPLES.reply_reminder));
    expect(due.subject).toBe("Reminder: please answer our question by 9 March 2026 (REQ-0B0E7C1E)");
    expect(due.text).toContain("> Which deliverables were missing?");
    expect(due.text).toContain("by the end of 9 March 2026");
    const late = renderEmail(input({ ...SAMPLES.reply_reminder, overdue: true } as TemplateData));
    expect(late.subject).toBe("Reminder: we are still waiting for your answer (REQ-0B0E7C1E)");
    expect(late.text).toContain("was due by the end of 9 March 2026");
  });
});
