// Table shapes as Kysely sees them. One definition for SQLite and PostgreSQL, so every column uses
// a type both store identically (ADR 0006):
// - ids: TEXT, made by the server (`newId`), never auto-incremented (except the audit `seq`);
// - money: TEXT integer minor units (`*_minor`) plus a TEXT currency; arithmetic on bigint in the app;
// - instants (`*_at`, `*_until`, `*_by`): TEXT ISO 8601 UTC with milliseconds (`toDbInstant`),
//   so string order is time order;
// - calendar dates (payout due window): TEXT `YYYY-MM-DD` in the policy's time zone;
// - booleans: INTEGER 0/1; JSON documents: TEXT.
// Column names are the database's snake_case; repositories map rows to domain objects.

import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

/** A column with a database default: optional on insert. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;

export type Role = "client" | "qa" | "finance" | "admin";
export type MessageKind = "question" | "answer" | "note";
export type DecisionKind = "approve" | "deny" | "offer_alternative";
export type PayoutStatus =
  "scheduled" | "submitting" | "pending" | "succeeded" | "failed" | "unknown" | "reissued";
export type IdempotencyState = "in_flight" | "done";

export interface ClientsTable {
  id: string;
  name: string;
  email: string | null;
  created_at: string;
  updated_at: string;
  /** Set when the company was archived (0007): no new requests, hidden from default lists. */
  archived_at: Defaulted<string | null>;
}

export interface UsersTable {
  id: string;
  /** Stored lower-cased by the application; unique. */
  email: string;
  name: string;
  role: Role;
  /** Set for role `client` only (a CHECK enforces it). */
  client_id: string | null;
  /** argon2id PHC string. */
  password_hash: string;
  /** 0 or 1. */
  disabled: Defaulted<number>;
  created_at: string;
  updated_at: string;
  /** When an admin erased this person's personal data (migration 0014). */
  erased_at: Defaulted<string | null>;
}

export interface SessionsTable {
  /** sha256 hex of the cookie token; the token itself is never stored. */
  id: string;
  user_id: string;
  csrf_token: string;
  created_at: string;
  expires_at: string;
}

export interface ApiTokensTable {
  id: string;
  name: string;
  /** sha256 hex of the token. */
  token_hash: string;
  /** JSON array of scope names. */
  scopes: string;
  created_by: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export type AccountTokenPurpose = "invitation" | "password_reset";

export interface AccountTokensTable {
  id: string;
  /** sha256 hex of the token in the link; the token itself is never stored. */
  token_hash: string;
  user_id: string;
  purpose: AccountTokenPurpose;
  created_by: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface LoginThrottleTable {
  /** e.g. `email:<address>` or `ip:<address>`. */
  key: string;
  failures: number;
  window_started_at: string;
  locked_until: string | null;
}

export interface OrdersTable {
  id: string;
  client_id: string;
  service_name: string;
  service_category: string;
  service_billing: string;
  price_minor: string;
  price_currency: string;
  placed_at: string;
  promised_start_by: string | null;
  promised_delivery_by: string | null;
  started_at: string | null;
  delivered_at: string | null;
  subscription_period_start: string | null;
  subscription_period_end: string | null;
  subscription_charge_ref: string | null;
  created_at: string;
  updated_at: string;
  version: Defaulted<number>;
}

export interface PaymentsTable {
  id: string;
  order_id: string;
  client_id: string;
  charge_ref: string;
  amount_minor: string;
  currency: string;
  method: string;
  captured_at: string;
  /** The provider's charge id; unique when present. */
  provider_ref: string | null;
  /** Minor units refunded so far (succeeded payouts only), same currency as the payment. */
  refunded_minor: Defaulted<string>;
  created_at: string;
  updated_at: string;
  version: Defaulted<number>;
}

export interface ServiceEventsTable {
  id: string;
  order_id: string;
  kind: string;
  from_at: string;
  /** null: still ongoing. */
  to_at: string | null;
  note: string | null;
  /** Actor id: a user id or an API token id. */
  recorded_by: string;
  recorded_at: string;
}

export interface RefundRequestsTable {
  id: string;
  order_id: string;
  client_id: string;
  /** null only for a request made from an e-mail whose reason QA has not classified (status
   * triage, or withdrawn from it): nullable since 0020. */
  reason: string | null;
  description: string;
  status: string;
  version: Defaulted<number>;
  submitted_at: string;
  updated_at: string;
  /** The staff member who took the request into review (0002). */
  reviewer_id: string | null;
  /** The question awaiting the client's answer while info_requested (0002). */
  open_question: string | null;
  /** When the request reached a closed status (0002). */
  closed_at: string | null;
  /** When the retention job deleted its messages and attachments (migration 0014). */
  purged_at: Defaulted<string | null>;
  /** The alternative on offer and the client's response, as JSON (0002). */
  alternative_json: string | null;
  /** The current row of `recommendations` (0002); null when the engine could not evaluate. */
  recommendation_id: string | null;
  /** The reply-by instant of the open question (0007). */
  reply_by: Defaulted<string | null>;
  reply_reminded_at: Defaulted<string | null>;
  /** Since when the request waits on the side whose move it is (0007). */
  waiting_since: Defaulted<string | null>;
  last_client_reply_at: Defaulted<string | null>;
  /** The client's appeal of a denial, and who had denied (0007). */
  appealed_at: Defaulted<string | null>;
  appeal_denied_by: Defaulted<string | null>;
  /** The policy version the request is judged under: the one in force at its submission (0011). */
  policy_version_id: Defaulted<string | null>;
}

export interface MessagesTable {
  id: string;
  request_id: string;
  author_user_id: string;
  kind: MessageKind;
  body: string;
  created_at: string;
  /** 1: an internal note (staff only, never shown to or mailed to the client) (0007). */
  internal: Defaulted<number>;
}

export interface AttachmentsTable {
  id: string;
  request_id: string;
  uploaded_by: string;
  original_name: string;
  /** Server-made file name under the attachments directory; unique. */
  stored_name: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  created_at: string;
  /** Which store holds the bytes (migration 0017; ADR 0031); rows before it are `local`. */
  storage: Defaulted<"local" | "database" | "s3">;
}

/** An object of the `database` attachment store (0017): its bytes are attachment_chunks. */
export interface AttachmentObjectsTable {
  key: string;
  created_at: string;
  /** Null while its chunks are being written. */
  size_bytes: number | null;
}

export interface AttachmentChunksTable {
  object_key: string;
  seq: number;
  data: Uint8Array;
}

export interface RecommendationsTable {
  id: string;
  request_id: string;
  policy_version: string;
  outcome: string;
  amount_minor: string | null;
  amount_currency: string | null;
  /** The engine's decision as JSON (`decisionToJson`), a snapshot. */
  decision_json: string;
  created_at: string;
  /** `YYYY-MM-DD`: the latest payout date of a refund recommendation, for due-date filters (0002). */
  payout_latest: string | null;
  /** The request window's end (ISO instant) per the engine, for the queue's sort (0007). */
  window_ends_at: Defaulted<string | null>;
}

export interface DecisionsTable {
  id: string;
  request_id: string;
  /** The recommendation the reviewer saw, when there was one. */
  recommendation_id: string | null;
  decided_by: string;
  kind: DecisionKind;
  amount_minor: string | null;
  amount_currency: string | null;
  justification: string | null;
  alternative: string | null;
  created_at: string;
  /** JSON array of the clause ids the decision rests on (0007). */
  clauses_json: Defaulted<string | null>;
}

export interface PayoutsTable {
  id: string;
  request_id: string;
  decision_id: string;
  payment_id: string;
  method: string;
  amount_minor: string;
  currency: string;
  status: PayoutStatus;
  /** `YYYY-MM-DD` in the policy's time zone, fixed at approval. */
  due_earliest: string;
  due_latest: string;
  /** Derived from the payout id, made before the first provider call, never changed. */
  idempotency_key: string;
  provider_ref: string | null;
  failure_reason: string | null;
  attempts: Defaulted<number>;
  next_attempt_at: string | null;
  /** JSON array of `{ userId, at }` (four-eyes approvals). */
  approvals: Defaulted<string>;
  created_at: string;
  updated_at: string;
  version: Defaulted<number>;
  /** The worker holding the payout while it talks to the provider, and until when. */
  claimed_by: string | null;
  claimed_until: string | null;
  /** JSON `{ asset, network, address }` (crypto payouts), given by the client. */
  destination: string | null;
  /** Bank reference (bank_transfer, other) or transaction hash (crypto), recorded by finance. */
  manual_reference: string | null;
  /** Crypto under fiat-at-payout: fiat per coin as a decimal string, and the coins sent. */
  crypto_rate: string | null;
  crypto_amount_minor: string | null;
  crypto_currency: string | null;
  /** Set when the worker gave up retrying; finance sees parked payouts. */
  parked_at: string | null;
  /** The finance user who gave the first approval (executed it). */
  executed_by: string | null;
  succeeded_at: string | null;
  overdue_alerted_at: string | null;
  /** A retried card payout's attempt number (0007); the idempotency key names it. */
  attempt: Defaulted<number>;
  /** The earlier attempt the worker looks up at the provider before sending this one (0007). */
  reconcile_attempt: number | null;
  /** The payout this one replaces (reissued by another method), and the one that replaced it. */
  reissue_of: string | null;
  replaced_by: string | null;
  /** Finance's justification for a reissue or a payout recorded as paid outside the system. */
  note: string | null;
  paid_outside_at: string | null;
  /** When finance was alerted that the payout needs action (failed or parked). */
  action_alerted_at: string | null;
  /** When the client was asked for a destination (wallet address, bank details), and reminded. */
  destination_asked_at: string | null;
  destination_reminded_at: string | null;
  /** The policy version in force at the approval: its calendar fixed the due window (0011). */
  policy_version_id: Defaulted<string | null>;
  /** The dispute holding this card payout parked (`charge_disputed`: the provider's refusal) (0018). */
  held_by_dispute: Defaulted<string | null>;
}

/** A card dispute (chargeback) against one of our payments (0018). */
export interface DisputesTable {
  /** The provider's dispute id (`dp_...`). */
  id: string;
  provider: string;
  payment_id: string;
  charge_ref: string;
  amount_minor: string;
  currency: string;
  reason: string;
  /** The provider's status as it says it (Stripe: needs_response, under_review, won, lost, ...). */
  status: string;
  /** ISO instant: the evidence must reach the provider before it. */
  due_by: string | null;
  funds_withdrawn_at: string | null;
  closed_at: string | null;
  /** JSON: the evidence draft in the provider's evidence fields, as finance last saved it. */
  evidence_json: string | null;
  evidence_submitted_at: string | null;
  submitted_by: string | null;
  reminded_5_at: string | null;
  reminded_2_at: string | null;
  event_created: Defaulted<number>;
  created_at: string;
  updated_at: string;
  version: Defaulted<number>;
}

export interface ProviderEventsTable {
  /** The provider's event id: an event is applied once. */
  id: string;
  provider: string;
  type: string;
  payout_id: string | null;
  received_at: string;
}

export interface DuplicatePaymentsTable {
  /** The extra payment (rule 2); primary key: one request per extra, ever (0006). */
  payment_id: string;
  order_id: string;
  /** The request that refunds it. */
  request_id: string;
  /** `opened`: the system opened the request for it; `covered`: the request was already open. */
  how: "opened" | "covered";
  created_at: string;
}

/**
 * One row per refund request: what the reports count, kept by triggers (0009), never written by
 * the application.
 */
export interface ReportRequestsTable {
  request_id: string;
  submitted_at: string;
  /** null while the request is in triage (0020), as on refund_requests. */
  reason: string | null;
  status: string;
  /** The current recommendation's outcome; `none` when there is none. */
  recommended_outcome: string;
  waiting_since: string | null;
}

/** One row per decision, with what it was decided on; kept by a trigger (0009). */
export interface ReportDecisionsTable {
  decision_id: string;
  request_id: string;
  created_at: string;
  decided_by: string;
  kind: DecisionKind;
  reason: string;
  /** `followed`, `against` (a firm recommendation departed from) or `unguided` (none firm). */
  verdict: "followed" | "against" | "unguided";
  /** 1: the request's first decision. */
  is_first: number;
  /** 1: made by the system user (automatic approvals). */
  automatic: number;
  /** Milliseconds from the request's submission to this decision. */
  took_ms: number;
}

/** One published policy version; immutable but for the withdrawal of a scheduled one (0011). */
export interface PolicyVersionsTable {
  /** The document's `version`, cited by every recommendation as `policyVersion`. */
  id: string;
  /** From this instant on (inclusive) the version is in force, until the next one's. */
  effective_at: string;
  published_by: string;
  published_at: string;
  /** Canonical JSON of the policy-file document. */
  document: string;
  withdrawn_at: string | null;
  withdrawn_by: string | null;
}

export interface AuditEventsTable {
  /** 1, 2, 3... without gaps: allocated by `appendAudit` under the chain lock. */
  seq: number;
  at: string;
  actor: string;
  action: string;
  entity_type: string;
  entity_id: string;
  /** Canonical JSON. */
  summary: string;
  ip: string | null;
  prev_hash: string;
  hash: string;
  /** 1: ADR 0007's rule (entries before migration 0014); 2: personal fields hashed by digest (ADR 0028). */
  chain: Defaulted<number>;
  /** Chain 2: canonical JSON of the personal fields with a nonce; NULL when none, or erased. */
  personal: Defaulted<string | null>;
  /** Chain 2: SHA-256 hex of `personal`, which the hash covers; stays after an erasure. */
  personal_digest: Defaulted<string | null>;
  /** The seq of the `privacy.erased` entry that erased this entry's personal fields. */
  erased_by: Defaulted<number | null>;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  method: string;
  path: string;
  fingerprint: string;
  state: IdempotencyState;
  /** While in flight: after this instant another request may take the key over (crash recovery). */
  locked_until: string | null;
  response_status: number | null;
  /** JSON object of header name -> value. */
  response_headers: string | null;
  response_body: string | null;
  created_at: string;
  expires_at: string;
}

export interface OutboxTable {
  id: string;
  topic: string;
  /** JSON. */
  payload: string;
  created_at: string;
  available_at: string;
  attempts: Defaulted<number>;
  claimed_by: string | null;
  claimed_until: string | null;
  done_at: string | null;
  last_error: string | null;
}

export interface NotificationDeliveriesTable {
  /** The outbox row the e-mail came from; with the recipient, the key (one e-mail each) (0004). */
  outbox_id: string;
  /** The address, lower-cased. */
  recipient: string;
  topic: string;
  /** The Message-ID header sent, derived from the outbox id and the recipient. */
  message_id: string;
  sent_at: string;
}

export type WebhookDeliveryStatus = "pending" | "delivered" | "failed";

export interface WebhookEndpointsTable {
  id: string;
  /** http(s) URL the events are POSTed to. */
  url: string;
  description: string | null;
  /** The HMAC-SHA256 signing secret (`whsec_...`), shown once at creation. */
  secret: string;
  /** JSON array of event types, or `["*"]`. */
  events: string;
  /** 0 or 1. */
  disabled: Defaulted<number>;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookDeliveriesTable {
  id: string;
  /** The event id (the outbox row's id); unique with the endpoint. */
  event_id: string;
  event_type: string;
  endpoint_id: string;
  /** The JSON body, byte for byte what is signed and sent on every attempt. */
  body: string;
  status: WebhookDeliveryStatus;
  attempts: Defaulted<number>;
  next_attempt_at: string;
  last_attempt_at: string | null;
  /** HTTP status of the last attempt; null when it got no answer. */
  last_status: number | null;
  last_error: string | null;
  delivered_at: string | null;
  created_at: string;
}

export type PolicySimulationStatus = "queued" | "running" | "done" | "failed";

/** An admin's what-if run of a candidate policy (0012, ADR 0026). */
export interface PolicySimulationsTable {
  id: string;
  status: PolicySimulationStatus;
  requested_by: string;
  candidate_version: string;
  /** The candidate policy document, JSON. */
  policy_json: string;
  /** `YYYY-MM-DD` days of the period (inclusive), null when open on that side. */
  period_from: string | null;
  period_to: string | null;
  /** The period as instants: [starts_at, ends_at). */
  starts_at: string | null;
  ends_at: string | null;
  requests_total: number | null;
  requests_done: Defaulted<number>;
  /** The report (core/simulation's SimulationReport), JSON, when done. */
  report_json: string | null;
  error: string | null;
  attempts: Defaulted<number>;
  claimed_by: string | null;
  claimed_until: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface Database {
  clients: ClientsTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  login_throttle: LoginThrottleTable;
  account_tokens: AccountTokensTable;
  orders: OrdersTable;
  payments: PaymentsTable;
  service_events: ServiceEventsTable;
  refund_requests: RefundRequestsTable;
  messages: MessagesTable;
  attachments: AttachmentsTable;
  recommendations: RecommendationsTable;
  decisions: DecisionsTable;
  payouts: PayoutsTable;
  audit_events: AuditEventsTable;
  idempotency_keys: IdempotencyKeysTable;
  outbox: OutboxTable;
  provider_events: ProviderEventsTable;
  notification_deliveries: NotificationDeliveriesTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  duplicate_payments: DuplicatePaymentsTable;
  report_requests: ReportRequestsTable;
  report_decisions: ReportDecisionsTable;
  policy_versions: PolicyVersionsTable;
  imports: ImportsTable;
  import_chunks: ImportChunksTable;
  attachment_objects: AttachmentObjectsTable;
  attachment_chunks: AttachmentChunksTable;
  policy_simulations: PolicySimulationsTable;
  inbound_mail: InboundMailTable;
  disputes: DisputesTable;
}

/** An import sent over the API (0016): the job, its progress and its outcome. */
export interface ImportsTable {
  id: string;
  kind: "orders" | "payments" | "events";
  format: "csv" | "ndjson";
  /** receiving (body still arriving), pending, running, done, rejected (bad rows), failed. */
  status: "receiving" | "pending" | "running" | "done" | "rejected" | "failed";
  requested_by: string;
  body_bytes: number;
  rows_read: Generated<number>;
  rows_written: Generated<number>;
  rejected_json: string | null;
  problems: Generated<number>;
  error: string | null;
  created_at: string;
  claimed_until: string | null;
  started_at: string | null;
  finished_at: string | null;
}

/** An import's body, in order, at most 1 MiB a chunk. */
export interface ImportChunksTable {
  import_id: string;
  seq: number;
  data: Uint8Array;
}

/** Where an inbound e-mail stands (0019): stored, then processed into one of the others. */
export type InboundMailStatus =
  "stored" | "done" | "ignored" | "triage" | "quarantined" | "refused" | "failed" | "discarded";

/** An e-mail the desk received (0019, issue 19): raw, and what processing made of it. */
export interface InboundMailTable {
  id: string;
  /** The Message-ID (lower-case, without brackets), or `sha256:<hex>` without one; unique. */
  dedupe_key: string;
  /** SHA-256 of the raw bytes; unique. */
  sha256: string;
  message_id: string | null;
  raw: Uint8Array;
  size_bytes: number;
  envelope_json: string;
  received_at: string;
  status: InboundMailStatus;
  outcome: string | null;
  triage_kind: string | null;
  from_address: string | null;
  subject: string | null;
  excerpt: string | null;
  client_id: string | null;
  order_id: string | null;
  request_id: string | null;
  auth_json: string | null;
  note: string | null;
  attempts: Generated<number>;
  claimed_until: string | null;
  processed_at: string | null;
  resolved_by: string | null;
  resolved_at: string | null;
}

export type InboundMailRow = Selectable<InboundMailTable>;
export type ClientRow = Selectable<ClientsTable>;
export type PolicySimulationRow = Selectable<PolicySimulationsTable>;
export type NewClient = Insertable<ClientsTable>;
export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type AccountTokenRow = Selectable<AccountTokensTable>;
export type SessionRow = Selectable<SessionsTable>;
export type ApiTokenRow = Selectable<ApiTokensTable>;
export type OrderRow = Selectable<OrdersTable>;
export type NewOrder = Insertable<OrdersTable>;
export type PaymentRow = Selectable<PaymentsTable>;
export type NewPayment = Insertable<PaymentsTable>;
export type ServiceEventRow = Selectable<ServiceEventsTable>;
export type RefundRequestRow = Selectable<RefundRequestsTable>;
export type NewRefundRequest = Insertable<RefundRequestsTable>;
export type MessageRow = Selectable<MessagesTable>;
export type AttachmentRow = Selectable<AttachmentsTable>;
export type RecommendationRow = Selectable<RecommendationsTable>;
export type DecisionRow = Selectable<DecisionsTable>;
export type PayoutRow = Selectable<PayoutsTable>;
export type NewPayout = Insertable<PayoutsTable>;
export type DuplicatePaymentRow = Selectable<DuplicatePaymentsTable>;
export type PolicyVersionRow = Selectable<PolicyVersionsTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type IdempotencyKeyRow = Selectable<IdempotencyKeysTable>;
export type OutboxRow = Selectable<OutboxTable>;
export type NewOutbox = Insertable<OutboxTable>;
export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type ImportJobRow = Selectable<ImportsTable>;
