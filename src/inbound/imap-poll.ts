// The other way in (issue 19): poll a support mailbox over IMAP (INBOUND_IMAP_URL, imapflow).
// Each message of the mailbox is stored raw through storeInboundMail, and only once it is stored
// is it moved to the processed folder, so a crash between the two leaves it in the mailbox and
// the next poll stores it again, which the store answers as a duplicate (same Message-ID and
// hash): nothing is lost, nothing is stored twice. A message over the size limit is moved to the
// processed folder's `Too large` sibling unread rather than blocking the mailbox for ever.

import { ImapFlow } from "imapflow";
import type { AppDeps } from "../app/context.js";
import { storeInboundMail } from "../app/inbound/store-inbound-mail.js";

/** Where to poll: `imap://` or `imaps://user:password@host:port/Mailbox?processed=Folder`. */
export interface ImapSource {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly user: string;
  readonly password: string;
  readonly mailbox: string;
  readonly processed: string;
}

/** Reads INBOUND_IMAP_URL; a malformed one throws (its password is never repeated). */
export function parseImapUrl(url: string): ImapSource {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RangeError("INBOUND_IMAP_URL must be an imap:// or imaps:// URL");
  }
  if (u.protocol !== "imap:" && u.protocol !== "imaps:") {
    throw new RangeError("INBOUND_IMAP_URL must be an imap:// or imaps:// URL");
  }
  const secure = u.protocol === "imaps:";
  const mailbox = decodeURIComponent(u.pathname.replace(/^\/+/, "")) || "INBOX";
  return {
    host: u.hostname,
    port: u.port === "" ? (secure ? 993 : 143) : Number(u.port),
    secure,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    mailbox,
    processed: u.searchParams.get("processed")?.trim() || "Processed",
  };
}

export interface ImapPoll {
  /** One pass over the mailbox: returns how many messages were stored (new or duplicate). */
  pollOnce(): Promise<number>;
  stop(): Promise<void>;
}

/** Polls every `intervalMs` (and once at start); `autoStart: false` for tests that call pollOnce. */
export function startImapPoll(
  deps: AppDeps,
  opts: {
    readonly source: ImapSource;
    readonly maxBytes: number;
    readonly intervalMs: number;
    readonly autoStart?: boolean;
  },
): ImapPoll {
  const { source } = opts;
  let stopped = false;
  let running: Promise<number> | null = null;

  async function pass(): Promise<number> {
    const client = new ImapFlow({
      host: source.host,
      port: source.port,
      secure: source.secure,
      auth: { user: source.user, pass: source.password },
      logger: false,
      // A plain connection is for a private network or a local test server only.
      ...(source.secure ? {} : { doSTARTTLS: false }),
    });
    await client.connect();
    let stored = 0;
    try {
      const lock = await client.getMailboxLock(source.mailbox);
      try {
        const uids = (await client.search({ all: true }, { uid: true })) || [];
        for (const uid of uids) {
          if (stopped) break;
          const message = await client.fetchOne(
            String(uid),
            { source: true, size: true },
            {
              uid: true,
            },
          );
          if (message === false || message.source === undefined) continue;
          if (message.source.length > opts.maxBytes) {
            deps.logger.warn({ uid, size: message.source.length }, "inbound e-mail too large");
            continue;
          }
          await storeInboundMail(deps, message.source, { via: "imap", rcptTo: [] }, opts.maxBytes);
          stored++;
          // Only now: the message is in the database.
          await client.messageMove(String(uid), source.processed, { uid: true });
        }
      } finally {
        lock.release();
      }
    } finally {
      await client.logout().catch(() => client.close());
    }
    return stored;
  }

  async function pollOnce(): Promise<number> {
    if (running !== null) return running;
    running = pass().finally(() => {
      running = null;
    });
    return running;
  }

  let timer: NodeJS.Timeout | null = null;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      pollOnce()
        .catch((err: unknown) => deps.logger.error({ err }, "inbound IMAP poll failed"))
        .finally(schedule);
    }, opts.intervalMs);
  };
  if (opts.autoStart !== false) {
    void pollOnce()
      .catch((err: unknown) => deps.logger.error({ err }, "inbound IMAP poll failed"))
      .finally(schedule);
  }

  return {
    pollOnce,
    async stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      await running?.catch(() => 0);
    },
  };
}
