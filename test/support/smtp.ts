// A real SMTP server on a random local port (the smtp-server package), for tests that send mail
// through nodemailer and read what arrived. Each message is kept raw and parsed just enough to
// check it: headers, and the text and HTML parts (quoted-printable or base64, UTF-8).
// `refuseNext(n)` makes the next n messages fail with a temporary 451, as a busy server would.

import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  /** RCPT TO addresses of the envelope. */
  readonly to: readonly string[];
  readonly from: string;
  readonly raw: string;
  /** Header names lower-cased; values unfolded and decoded (RFC 2047 words). */
  readonly headers: ReadonlyMap<string, string>;
  readonly subject: string;
  readonly messageId: string;
  readonly text: string;
  readonly html: string;
}

export interface TestSmtp {
  readonly url: string;
  readonly received: ReceivedMail[];
  refuseNext(n: number): void;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 with a random port; no TLS, no authentication. */
export async function startSmtp(): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  let refusals = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        if (refusals > 0) {
          refusals -= 1;
          const err = Object.assign(new Error("try again later"), { responseCode: 451 });
          callback(err);
          return;
        }
        const raw = Buffer.concat(chunks).toString("utf8");
        received.push(
          parseMail(
            raw,
            session.envelope.rcptTo.map((r) => r.address),
            session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address,
          ),
        );
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    refuseNext: (n) => {
      refusals = n;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Parses a message as nodemailer writes it (single part or multipart/alternative). */
export function parseMail(raw: string, to: readonly string[], from: string): ReceivedMail {
  const { headers, body } = splitHeaders(raw);
  let text = "";
  let html = "";
  const type = headers.get("content-type") ?? "text/plain";
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  const parts =
    boundary === undefined
      ? [{ headers, body }]
      : body
          .split(`--${boundary}`)
          .slice(1)
          .filter((p) => !p.startsWith("--"))
          .map((p) => splitHeaders(p.replace(/^\r?\n/, "")));
  for (const part of parts) {
    const content = decodeBody(part.body, part.headers.get("content-transfer-encoding") ?? "7bit");
    const ct = part.headers.get("content-type") ?? "text/plain";
    if (ct.startsWith("text/html")) html = content;
    else if (ct.startsWith("text/plain")) text = content;
  }
  return {
    to,
    from,
    raw,
    headers,
    subject: headers.get("subject") ?? "",
    messageId: headers.get("message-id") ?? "",
    text,
    html,
  };
}

function splitHeaders(raw: string): { headers: Map<string, string>; body: string } {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at < 0 ? raw : raw.slice(0, at);
  const body = at < 0 ? "" : raw.slice(at).replace(/^\r?\n\r?\n/, "");
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0)
      headers.set(line.slice(0, i).trim().toLowerCase(), decodeWords(line.slice(i + 1).trim()));
  }
  return { headers, body };
}

function decodeWords(value: string): string {
  return value.replace(/=\?utf-8\?([bq])\?([^?]*)\?=\s*/gi, (_m, enc: string, data: string) =>
    enc.toLowerCase() === "b"
      ? Buffer.from(data, "base64").toString("utf8")
      : decodeQp(data.replace(/_/g, " ")),
  );
}

function decodeBody(body: string, encoding: string): string {
  const trimmed = body.replace(/\r?\n$/, "");
  switch (encoding.toLowerCase()) {
    case "base64":
      return Buffer.from(trimmed.replace(/\s+/g, ""), "base64").toString("utf8");
    case "quoted-printable":
      return decodeQp(trimmed);
    default:
      return trimmed;
  }
}

function decodeQp(value: string): string {
  const soft = value.replace(/=\r?\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i]!;
    if (c === "=" && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c, "utf8"));
    }
  }
  return Buffer.from(bytes).toString("utf8").replace(/\r\n/g, "\n");
}
