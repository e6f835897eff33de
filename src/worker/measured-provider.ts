// The card provider as the worker calls it, measured: each call's latency by operation and
// outcome, and the calls that ended failed or unknown (issue 17's provider metrics).

import type { CardProvider } from "../app/payouts/ports.js";
import type { ServiceMetrics } from "../app/metrics/metrics.js";

/** Wraps `provider` so every call is observed in `metrics`; answers exactly what it answers. */
export function measuredProvider(provider: CardProvider, metrics: ServiceMetrics): CardProvider {
  const observe = (operation: string, started: number, outcome: string) => {
    metrics.providerCallDuration.observe(
      { operation, outcome },
      (performance.now() - started) / 1000,
    );
    if (outcome === "failed" || outcome === "unknown" || outcome === "error") {
      metrics.providerCallFailures.inc({ operation, outcome });
    }
  };
  return {
    name: provider.name,
    async submitRefund(instruction) {
      const started = performance.now();
      try {
        const outcome = await provider.submitRefund(instruction);
        observe("submit_refund", started, outcome.kind);
        return outcome;
      } catch (e) {
        observe("submit_refund", started, "error");
        throw e;
      }
    },
    async lookupRefund(chargeRef, payoutId, attempt) {
      const started = performance.now();
      try {
        const outcome = await provider.lookupRefund(chargeRef, payoutId, attempt);
        observe("lookup_refund", started, outcome === null ? "none" : outcome.kind);
        return outcome;
      } catch (e) {
        observe("lookup_refund", started, "error");
        throw e;
      }
    },
  };
}
