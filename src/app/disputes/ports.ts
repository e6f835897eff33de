// Ports the dispute use cases own (issue 20, ADR 0021): what a verified provider event says about
// a dispute, and what the desk asks the provider to do with its evidence. Implemented by the card
// adapter (`src/payouts/stripe`: the SDK's `disputes` and `files` APIs, or the stand-in).

/** A dispute as a verified provider event reports it. */
export interface CardDisputeUpdate {
  /** The provider's dispute id (`dp_...`). */
  readonly disputeId: string;
  /** The disputed charge (`ch_...`): the payment's provider reference. */
  readonly chargeRef: string;
  /** The payment intent of the charge, when the provider names it (payments may record that). */
  readonly paymentIntent: string | null;
  readonly amountMinor: bigint;
  /** ISO 4217, upper case. */
  readonly currency: string;
  /** The provider's reason (Stripe: fraudulent, product_not_received, duplicate, ...). */
  readonly reason: string;
  /** The provider's status (Stripe: needs_response, under_review, won, lost, ...). */
  readonly status: string;
  /** Epoch milliseconds: the evidence must reach the provider before it; null when none. */
  readonly dueBy: number | null;
  /** The event type (`charge.dispute.created`, `.updated`, `.closed`, `.funds_withdrawn`). */
  readonly eventType: string;
  /** Seconds since the epoch: when the provider created the event (orders updates). */
  readonly eventCreated: number;
}

/** A file of evidence to upload (a PDF the desk rendered). */
export interface EvidenceFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export type DisputeCallResult<T> =
  ({ readonly ok: true } & T) | { readonly ok: false; readonly reason: string };

/** The provider's dispute API. Never throws. */
export interface CardDisputeProvider {
  /** Uploads a file for dispute evidence (Stripe: `files.create`, purpose `dispute_evidence`). */
  uploadEvidenceFile(file: EvidenceFile): Promise<DisputeCallResult<{ readonly fileId: string }>>;
  /**
   * Sets the dispute's evidence (text fields, and file fields by the uploaded file's id) and, with
   * `submit`, submits it (Stripe: `disputes.update` with `submit: true`). Answers the status.
   */
  updateDispute(
    disputeId: string,
    evidence: Readonly<Record<string, string>>,
    submit: boolean,
  ): Promise<DisputeCallResult<{ readonly status: string }>>;
}
