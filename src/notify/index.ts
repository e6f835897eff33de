// Notifications (issue 4): e-mails and outbound webhooks fed from the outbox. What the worker and
// the service use; everything else in src/notify is internal.
export {
  DEFAULT_MAIL_FROM,
  DEFAULT_PUBLIC_URL,
  notifyConfigFromEnv,
  type NotifyConfig,
} from "./config.js";
export {
  createMailTransport,
  fileTransport,
  smtpTransport,
  type MailTransport,
  type OutgoingMail,
} from "./mail.js";
export {
  createNotifier,
  messageIdFor,
  NOTIFY_PREFIX,
  PermanentNotificationError,
  type Db,
  type Notifier,
  type NotifierDeps,
  type OutboxMessage,
} from "./notifier.js";
export {
  backoffDelay,
  DEFAULT_WEBHOOK_SETTINGS,
  deliverDueWebhooks,
  signWebhook,
  verifyWebhookSignature,
  WEBHOOK_HEADERS,
  type DeliveryRun,
  type WebhookDeps,
  type WebhookSettings,
} from "./webhooks.js";
export { TEMPLATES, renderEmail, type TemplateName } from "./templates/render.js";
