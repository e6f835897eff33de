// The notifications Refund Desk sends: one name per kind of event. Each is an outbox topic
// (`notify.<name>`), an e-mail template of the notifier, and an event type outbound webhook
// endpoints subscribe to. Pure data, so the app (webhook endpoint filters) and the notifier
// (delivery) share one list without importing each other.

/** Every notification, in the documented order. */
export const NOTIFICATION_TEMPLATES = [
  "request_received",
  "question_asked",
  "reply_reminder",
  "decision",
  "alternative_offered",
  "client_answered",
  "alternative_accepted",
  "alternative_declined",
  "request_withdrawn",
  "message_posted",
  "refund_sent",
  "refund_failed",
  "payout_overdue",
  "payout_needs_action",
  "destination_needed",
  "destination_reminder",
] as const;
export type NotificationTemplate = (typeof NOTIFICATION_TEMPLATES)[number];
