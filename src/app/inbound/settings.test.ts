import { describe, expect, it } from "vitest";
import { inboundSettingsFromEnv, replyToFor, replyToken, verifyReplyToken } from "./settings.js";

describe("inbound settings", () => {
  it("default to no intake, the MAIL_FROM mailbox and 30 MiB", () => {
    const s = inboundSettingsFromEnv({ MAIL_FROM: "Refunds <refunds@desk.test>" });
    expect(s).toMatchObject({
      mailbox: { local: "refunds", domain: "desk.test" },
      tokenSecret: null,
      maxBytes: 30 * 1024 * 1024,
      smtpPort: null,
      smtpHost: "127.0.0.1",
      imapUrl: null,
      imapIntervalMs: 60_000,
    });
    // Without a secret no Reply-To is made.
    expect(replyToFor(s)("req_348ed14f-1111-4222-8333-944445555666")).toBeNull();
  });

  it("read INBOUND_*", () => {
    const s = inboundSettingsFromEnv({
      INBOUND_ADDRESS: "support@desk.test",
      INBOUND_TOKEN_SECRET: "0123456789abcdef",
      INBOUND_SMTP_PORT: "2525",
      INBOUND_IMAP_URL: "imaps://u:p@mail.test/INBOX",
      INBOUND_IMAP_INTERVAL_SECONDS: "30",
      INBOUND_MAX_BYTES: "1000",
    });
    expect(s).toMatchObject({ smtpPort: 2525, maxBytes: 1000, imapIntervalMs: 30_000 });
    expect(replyToFor(s)("req_348ed14f-1111-4222-8333-944445555666")).toMatch(
      /^support\+REQ-348ED14F-[0-9a-f]{16}@desk\.test$/,
    );
  });

  it.each([
    [{ INBOUND_ADDRESS: "support+x@desk.test" }, /INBOUND_ADDRESS/],
    [{ INBOUND_TOKEN_SECRET: "short" }, /INBOUND_TOKEN_SECRET/],
    [{ INBOUND_SMTP_PORT: "70000" }, /INBOUND_SMTP_PORT/],
    [{ INBOUND_IMAP_URL: "https://u:secret@mail.test" }, /INBOUND_IMAP_URL/],
  ])("refuse %j", (env, message) => {
    expect(() => inboundSettingsFromEnv(env)).toThrow(message);
    try {
      inboundSettingsFromEnv(env);
    } catch (e) {
      expect(String(e)).not.toContain("secret");
    }
  });

  it("tokens are the request's only", () => {
    const secret = "0123456789abcdef";
    const token = replyToken(secret, "req_a");
    expect(verifyReplyToken(secret, "req_a", token)).toBe(true);
    expect(verifyReplyToken(secret, "req_b", token)).toBe(false);
    expect(verifyReplyToken("another-secret-0000", "req_a", token)).toBe(false);
    expect(verifyReplyToken(secret, "req_a", "short")).toBe(false);
  });
});
