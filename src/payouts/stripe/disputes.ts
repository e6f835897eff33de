// The provider's dispute API on Stripe (issue 20), through the official SDK: evidence files
// uploaded with `files.create` (purpose `dispute_evidence`, multipart), then `disputes.update`
// with the evidence fields (files by id) and, to answer, `submit: true`. Retries are off, as for
// refunds: a call that fails is reported, and finance submits again.

import Stripe from "stripe";
import type {
  CardDisputeProvider,
  DisputeCallResult,
  EvidenceFile,
} from "../../app/disputes/ports.js";
import type { StripeCardProviderOptions } from "./adapter.js";

function why(e: unknown): string {
  if (e instanceof Stripe.errors.StripeError) {
    return e.code === undefined ? e.message : `${e.code}: ${e.message}`;
  }
  return String(e);
}

export function createStripeDisputeProvider(
  options: StripeCardProviderOptions,
): CardDisputeProvider {
  const stripe = new Stripe(options.apiKey, {
    maxNetworkRetries: 0,
    timeout: options.timeoutMs ?? 20_000,
    telemetry: false,
    appInfo: { name: "refund-desk" },
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.protocol === undefined ? {} : { protocol: options.protocol }),
  });

  async function uploadEvidenceFile(
    file: EvidenceFile,
  ): Promise<DisputeCallResult<{ readonly fileId: string }>> {
    try {
      const created = await stripe.files.create({
        purpose: "dispute_evidence",
        file: { data: Buffer.from(file.bytes), name: file.name, type: "application/pdf" },
      });
      return { ok: true, fileId: created.id };
    } catch (e) {
      return { ok: false, reason: why(e) };
    }
  }

  async function updateDispute(
    disputeId: string,
    evidence: Readonly<Record<string, string>>,
    submit: boolean,
  ): Promise<DisputeCallResult<{ readonly status: string }>> {
    try {
      const updated = await stripe.disputes.update(disputeId, {
        evidence: evidence as Stripe.DisputeUpdateParams.Evidence,
        submit,
      });
      return { ok: true, status: updated.status };
    } catch (e) {
      return { ok: false, reason: why(e) };
    }
  }

  return { uploadEvidenceFile, updateDispute };
}
