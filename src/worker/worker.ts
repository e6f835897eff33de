// The worker: a loop that moves money and messages. Each tick it claims due card payouts and runs
// them (a few at a time), relays the outbox to its handlers, and once a minute raises overdue-payout
// alerts and sends the reminders (a payout's missing destination, a question's reply-by), and
// deletes the messages and attachments of requests closed past the retention period; once an hour
// it removes attachment objects older than a day that no row names (ADR 0031). Stateless: any number of workers may run against one PostgreSQL database (claims use
// leases and SKIP LOCKED); `npm start` runs one in the server process, `refund-desk worker` runs
// one on its own. A queued policy simulation (issue 16) is claimed by a tick and run beside the
// ticks, one at a time per worker, so payouts and messages do not wait for it.

import { randomUUID } from "node:crypto";
import type { AppDeps } from "../app/context.js";
import {
  abandonClaimedPayout,
  alertOverduePayouts,
  claimCardPayouts,
  DEFAULT_RUNNER,
  runClaimedPayout,
  type Claimed,
  type PayoutRunnerOptions,
} from "../app/payouts/execute.js";
import { todayIn } from "../app/payouts/present.js";
import { remindDisputes } from "../app/disputes/remind-disputes.js";
import { remindDestinations } from "../app/payouts/remind-destinations.js";
import { remindReplies } from "../app/requests/remind-replies.js";
import { purgeClosedRequests } from "../app/privacy/purge-closed-requests.js";
import { sweepOrphanAttachments } from "../app/attachments/sweep-orphans.js";
import { runQueuedImport } from "../app/imports/import-jobs.js";
import {
  claimNextSimulation,
  runClaimedSimulation,
  type SimulationRunnerOptions,
} from "../app/simulations/run-simulation.js";
import type { CardProvider } from "../app/payouts/ports.js";
import {
  DEFAULT_INBOUND_RUN,
  processInboundMail,
  type InboundRunOptions,
} from "../app/inbound/process-inbound-mail.js";
import type { InboundSettings } from "../app/inbound/settings.js";
import { deliverDueWebhooks, type WebhookDeps } from "../notify/index.js";
import { measuredProvider } from "./measured-provider.js";
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
  /** Policy simulations: false runs none; otherwise the runner's lease and progress settings. */
  readonly simulations?: false | Partial<Omit<SimulationRunnerOptions, "workerId">>;
  /** Inbound e-mail (issue 19): stored messages are processed each tick; absent: none. */
  readonly inbound?: InboundSettings & { readonly run?: Partial<InboundRunOptions> };
}

export interface Worker {
  readonly id: string;
  /** One pass: payouts, outbox, alerts and reminders. Returns how much work it found. */
  tick(): Promise<number>;
  /** Resolves when the policy simulation this worker is running (if any) has ended. */
  settled(): Promise<void>;
  /**
   * Stops: no new work is claimed, the current tick finishes (payouts it sent are recorded,
   * messages it claimed and did not start are released). A provider call still unanswered after
   * `graceMs` (default 7 s) is recorded `unknown` with its lease returned (looked up before any
   * resend, ADR 0014), so a shutdown never leaves a payout `submitting`.
   */
  stop(graceMs?: number): Promise<void>;
}

export interface TickCounts {
  payouts: number;
  messages: number;
  webhooks: number;
  inboundMail: number;
  alerts: number;
  simulations: number;
  /** Attachment objects without a row, removed by the hourly sweep (ADR 0031). */
  orphansRemoved: number;
}

/** How often a worker sweeps orphan attachment objects. */
export const SWEEP_EVERY_MS = 60 * 60 * 1000;

export function createWorker(
  deps: AppDeps,
  options: WorkerOptions,
): Worker & { counts: TickCounts } {
  const id = options.workerId ?? `worker-${randomUUID().slice(0, 8)}`;
  const runner: PayoutRunnerOptions = { ...DEFAULT_RUNNER, ...options.runner, workerId: id };
  const relay: RelayOptions = { ...DEFAULT_RELAY, ...options.relay, workerId: id };
  const batch = options.batch ?? 16;
  const handlers = options.handlers ?? [];
  const counts: TickCounts = {
    payouts: 0,
    messages: 0,
    webhooks: 0,
    inboundMail: 0,
    alerts: 0,
    simulations: 0,
    orphansRemoved: 0,
  };
  const simulations: SimulationRunnerOptions | null =
    options.simulations === false ? null : { ...options.simulations, workerId: id };
  let simulation: Promise<void> | null = null;
  let lastAlertDay = "";
  let lastAlertAt = 0;
  // The orphan sweep lists whole stores (a bucket, a directory): once an hour is plenty for
  // objects that must be a day old before they go.
  let lastSweepAt = 0;

  const provider =
    options.cardProvider === null ? null : measuredProvider(options.cardProvider, deps.metrics);
  let stopping = false;
  // The payouts whose provider call is under way (a stop may have to give them up).
  const inFlight = new Map<string, Claimed>();

  async function tick(): Promise<number> {
    let work = 0;
    if (provider !== null && !stopping) {
      const claimed = await claimCardPayouts(deps, runner, batch);
      await Promise.all(
        claimed.map(async (c) => {
          inFlight.set(c.row.id, c);
          try {
            await runClaimedPayout(deps, provider, runner, c);
          } finally {
            inFlight.delete(c.row.id);
          }
        }),
      );
      counts.payouts += claimed.length;
      work += claimed.length;
    }
    if (stopping) return work;
    const relayed = await relayOutbox(deps, handlers, relay, batch, () => stopping);
    counts.messages += relayed.handled;
    work += relayed.handled + relayed.failed;
    if (options.webhooks !== undefined && !stopping) {
      const run = await deliverDueWebhooks(options.webhooks, deps.clock(), batch);
      counts.webhooks += run.delivered;
      work += run.attempted;
    }
    // E-mail the desk received: stored first by the listener, made into requests and replies here.
    if (options.inbound !== undefined && !stopping) {
      const mails = await processInboundMail(deps, options.inbound, batch, {
        ...DEFAULT_INBOUND_RUN,
        ...options.inbound.run,
      });
      counts.inboundMail += mails;
      work += mails;
    }
    // Bulk imports sent over the API: one per tick (each runs in its own transaction).
    work += await runQueuedImport(deps);
    if (simulations !== null && simulation === null) {
      const claimed = await claimNextSimulation(deps, simulations);
      if (claimed !== undefined) {
        counts.simulations++;
        work++;
        simulation = runClaimedSimulation(deps, claimed, simulations).finally(() => {
          simulation = null;
        });
      }
    }
    const now = deps.clock();
    const today = todayIn(await deps.policies.current(), now);
    if (!stopping && (today !== lastAlertDay || now - lastAlertAt > 60_000)) {
      const alerts =
        (await alertOverduePayouts(deps, today)) +
        (await remindDestinations(deps, today)) +
        (await remindReplies(deps)) +
        (await remindDisputes(deps)) +
        (await purgeClosedRequests(deps));
      counts.alerts += alerts;
      lastAlertDay = today;
      lastAlertAt = now;
      work += alerts;
    }
    const wallNow = Date.now();
    if (!stopping && wallNow - lastSweepAt > SWEEP_EVERY_MS) {
      lastSweepAt = wallNow;
      counts.orphansRemoved += await sweepOrphanAttachments(deps, { now: wallNow });
    }
    return work;
  }

  let loop: Promise<void> | null = null;
  const idleMs = options.idleMs ?? 500;
  // The pause between empty ticks ends at once on stop.
  let wake: (() => void) | null = null;
  const run = async (): Promise<void> => {
    while (!stopping) {
      let work = 0;
      const endTimer = deps.metrics.workerTickDuration.startTimer();
      try {
        work = await tick();
      } catch (error) {
        deps.metrics.workerTickErrors.inc();
        options.onError?.(error);
      } finally {
        endTimer();
      }
      if (work === 0 && !stopping) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, idleMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
      }
    }
  };
  loop = options.autoStart === false ? null : run();

  return {
    id,
    counts,
    tick,
    async settled() {
      await simulation;
    },
    async stop(graceMs = 7_000) {
      stopping = true;
      (wake as (() => void) | null)?.();
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        Promise.all([loop, simulation]).then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), graceMs);
        }),
      ]);
      clearTimeout(timer);
      if (finished) return;
      for (const claimed of [...inFlight.values()]) {
        try {
          await abandonClaimedPayout(deps, runner, claimed);
        } catch (error) {
          options.onError?.(error);
        }
      }
    },
  };
}
