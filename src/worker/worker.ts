// The worker: a loop that moves money and messages. Each tick it claims due card payouts and runs
// them (a few at a time), relays the outbox to its handlers, and once a minute raises overdue-payout
// alerts. Stateless: any number of workers may run against one PostgreSQL database (claims use
// leases and SKIP LOCKED); `npm start` runs one in the server process, `refund-desk worker` runs
// one on its own.

import { randomUUID } from "node:crypto";
import type { AppDeps } from "../app/context.js";
import {
  alertOverduePayouts,
  claimCardPayouts,
  DEFAULT_RUNNER,
  runClaimedPayout,
  type PayoutRunnerOptions,
} from "../app/payouts/execute.js";
import { todayIn } from "../app/payouts/present.js";
import type { CardProvider } from "../app/payouts/ports.js";
import { deliverDueWebhooks, type WebhookDeps } from "../notify/index.js";
import {
  DEFAULT_RELAY,
  relayOutbox,
  type OutboxHandler,
  type RelayOptions,
} from "./outbox-relay.js";

export interface WorkerOptions {
  readonly workerId?: string;
  /** Pause between ticks when there was nothing to do. */
  readonly idleMs?: number;
  /** Payouts claimed per tick (run concurrently) and outbox messages per tick. */
  readonly batch?: number;
  /** The card provider; without one, card payouts wait (finance sees them as awaiting provider). */
  readonly cardProvider: CardProvider | null;
  readonly handlers?: readonly OutboxHandler[];
  /** Outbound webhook deliveries to integrators; none when absent. */
  readonly webhooks?: WebhookDeps;
  readonly runner?: Partial<Omit<PayoutRunnerOptions, "workerId">>;
  readonly relay?: Partial<Omit<RelayOptions, "workerId">>;
  /** Where failures of a tick are reported (the worker itself never stops on one). */
  readonly onError?: (error: unknown) => void;
  /** False: no loop, the caller calls `tick()` (tests). */
  readonly autoStart?: boolean;
}

export interface Worker {
  readonly id: string;
  /** One pass: payouts, outbox, alerts. Returns how much work it found. */
  tick(): Promise<number>;
  /** Stops the loop after the current tick. */
  stop(): Promise<void>;
}

export interface TickCounts {
  payouts: number;
  messages: number;
  webhooks: number;
  alerts: number;
}

export function createWorker(
  deps: AppDeps,
  options: WorkerOptions,
): Worker & { counts: TickCounts } {
  const id = options.workerId ?? `worker-${randomUUID().slice(0, 8)}`;
  const runner: PayoutRunnerOptions = { ...DEFAULT_RUNNER, ...options.runner, workerId: id };
  const relay: RelayOptions = { ...DEFAULT_RELAY, ...options.relay, workerId: id };
  const batch = options.batch ?? 16;
  const handlers = options.handlers ?? [];
  const counts: TickCounts = { payouts: 0, messages: 0, webhooks: 0, alerts: 0 };
  let lastAlertDay = "";
  let lastAlertAt = 0;

  async function tick(): Promise<number> {
    let work = 0;
    if (options.cardProvider !== null) {
      const provider = options.cardProvider;
      const claimed = await claimCardPayouts(deps, runner, batch);
      await Promise.all(claimed.map((c) => runClaimedPayout(deps, provider, runner, c)));
      counts.payouts += claimed.length;
      work += claimed.length;
    }
    const relayed = await relayOutbox(deps, handlers, relay, batch);
    counts.messages += relayed.handled;
    work += relayed.handled + relayed.failed;
    if (options.webhooks !== undefined) {
      const run = await deliverDueWebhooks(options.webhooks, deps.clock(), batch);
      counts.webhooks += run.delivered;
      work += run.attempted;
    }
    const now = deps.clock();
    const today = todayIn(deps.policy, now);
    if (today !== lastAlertDay || now - lastAlertAt > 60_000) {
      const alerts = await alertOverduePayouts(deps, today);
      counts.alerts += alerts;
      lastAlertDay = today;
      lastAlertAt = now;
      work += alerts;
    }
    return work;
  }

  let stopping = false;
  let loop: Promise<void> | null = null;
  const idleMs = options.idleMs ?? 500;
  const run = async (): Promise<void> => {
    while (!stopping) {
      let work = 0;
      try {
        work = await tick();
      } catch (error) {
        options.onError?.(error);
      }
      if (work === 0 && !stopping) await new Promise((r) => setTimeout(r, idleMs));
    }
  };
  loop = options.autoStart === false ? null : run();

  return {
    id,
    counts,
    tick,
    async stop() {
      stopping = true;
      await loop;
    },
  };
}
