import { describe, expect, it } from "vitest";
import { mailDomain } from "./config.js";
import { createMailTransport, smtpTransport } from "./mail.js";

describe("mail transports", () => {
  it("SMTP: says where mail goes without the credentials of the URL", () => {
    const t = smtpTransport("smtp://refunds:s3cret@mail.example.com:2525");
    expect(t.description).toBe("sending e-mail through smtp://mail.example.com:2525");
    expect(t.description).not.toContain("s3cret");
    t.close();
  });

  it("refuses a URL that is not smtp:// or smtps://", () => {
    expect(() => smtpTransport("http://mail.example.com")).toThrow(/smtp:\/\//);
  });

  it("no SMTP URL: .eml files in the mail directory", () => {
    const t = createMailTransport({ smtpUrl: null, mailDir: "/var/rd/mail" });
    expect(t.description).toContain("/var/rd/mail");
    t.close();
  });

  it("Message-ID domains come from the From address", () => {
    expect(mailDomain("Refund Desk <refunds@desk.example>")).toBe("desk.example");
    expect(mailDomain("refunds@desk.example")).toBe("desk.example");
    expect(mailDomain("no address")).toBe("refund-desk.invalid");
  });
});
