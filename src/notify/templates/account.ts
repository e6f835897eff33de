// E-mails about an account rather than a request: the invitation and the password-reset link.
// Pure, like render.ts. The link carries a single-use token (48 hours); no password is ever in an
// e-mail. Everything interpolated into HTML is escaped.

import { escapeHtml } from "./render.js";

export type AccountTemplate = "invitation" | "password_reset";

export interface AccountMailInput {
  readonly template: AccountTemplate;
  readonly publicUrl: string;
  readonly recipientName: string;
  readonly token: string;
  /** ISO instant the link stops working. */
  readonly expiresAt: string;
}

/** The page of the web app that sets a password from a link's token. */
export function setPasswordLink(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/set-password?token=${encodeURIComponent(token)}`;
}

/** Subject, text and HTML of an account e-mail. */
export function renderAccountEmail(input: AccountMailInput): {
  subject: string;
  text: string;
  html: string;
} {
  const link = setPasswordLink(input.publicUrl, input.token);
  const until = `${input.expiresAt.slice(0, 16).replace("T", " ")} UTC`;
  const subject =
    input.template === "invitation"
      ? "You are invited to Refund Desk"
      : "Reset your Refund Desk password";
  const lines =
    input.template === "invitation"
      ? [
          "An account was created for you on Refund Desk.",
          `Choose your password with this link (it works once, until ${until}):`,
        ]
      : [
          "Someone (we hope you) asked to reset the password of your Refund Desk account.",
          `Choose a new password with this link (it works once, until ${until}):`,
          "If it was not you, ignore this e-mail: your password stays as it is.",
        ];
  const greeting = `Hello ${input.recipientName},`;
  const text = [
    greeting,
    "",
    ...lines.slice(0, 2),
    link,
    "",
    ...lines.slice(2),
    "",
    "Refund Desk",
    "",
  ]
    .join("\n")
    .replace(/\n{3,}/g, "\n\n");
  const html = [
    "<!doctype html>",
    `<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>`,
    `<p>${escapeHtml(greeting)}</p>`,
    ...lines.slice(0, 2).map((l) => `<p>${escapeHtml(l)}</p>`),
    `<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>`,
    ...lines.slice(2).map((l) => `<p>${escapeHtml(l)}</p>`),
    "<p>Refund Desk</p>",
    "</body></html>",
    "",
  ].join("\n");
  return { subject, text, html };
}
