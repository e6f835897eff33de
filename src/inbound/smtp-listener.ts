// The desk's own SMTP listener (issue 19): a mail relay forwards support mail to it
// (INBOUND_SMTP_PORT). Each message is stored raw through storeInboundMail before the listener
// answers 250, so an accepted message is in the database; if storing fails the sender is told to
// try again later (451) and keeps it. A message over the size limit is refused with 552 (the
// SIZE extension announces the limit). Nothing is processed here: the worker does that.
// Relays talk plain SMTP on a private network (or TLS terminated in front); no AUTH is offered.

import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import type { AppDeps } from "../app/context.js";
import { storeInboundMail } from "../app/inbound/store-inbound-mail.js";

export interface SmtpListener {
  /** `host:port` it listens on. */
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface SmtpListenerOptions {
  readonly port: number;
  readonly host: string;
  readonly maxBytes: number;
  /** Our name in the greeting (default: the OS host name). */
  readonly name?: string;
}

/** Starts listening; resolves once the port is bound. */
export async function startSmtpListener(
  deps: AppDeps,
  opts: SmtpListenerOptions,
): Promise<SmtpListener> {
  const server = new SMTPServer({
    ...(opts.name === undefined ? {} : { name: opts.name }),
    size: opts.maxBytes,
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    logger: false,
    banner: "Refund Desk",
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on("data", (c: Buffer) => {
        size += c.length;
        if (size <= opts.maxBytes) chunks.push(c);
      });
      stream.on("error", (err) => callback(err));
      stream.on("end", () => {
        const tooBig = (stream as unknown as { sizeExceeded?: boolean }).sizeExceeded === true;
        if (tooBig || size > opts.maxBytes) {
          callback(
            Object.assign(new Error(`message larger than ${opts.maxBytes} bytes`), {
              responseCode: 552,
            }),
          );
          return;
        }
        const env = session.envelope;
        storeInboundMail(
          deps,
          Buffer.concat(chunks),
          {
            via: "smtp",
            remoteAddress: session.remoteAddress,
            helo: session.hostNameAppearsAs,
            mailFrom: env.mailFrom === false ? "" : env.mailFrom.address,
            rcptTo: env.rcptTo.map((r) => r.address),
          },
          opts.maxBytes,
        ).then(
          (stored) =>
            callback(null, stored.duplicate ? "already received" : `queued as ${stored.id}`),
          (err: unknown) => {
            deps.logger.error({ err }, "inbound e-mail could not be stored");
            callback(
              Object.assign(new Error("cannot store the message now, try again later"), {
                responseCode: 451,
              }),
            );
          },
        );
      });
    },
  });
  server.on("error", (err) => deps.logger.warn({ err }, "inbound SMTP listener error"));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.server.address() as AddressInfo;
  return {
    address: `${addr.address}:${addr.port}`,
    port: addr.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
