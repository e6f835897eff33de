// What an admin sends for a webhook endpoint, checked field by field (a 400 names the field): an
// http(s) URL without credentials, the event types (core/notifications), a short description; and
// the signing secret made for a new endpoint.

import { randomBytes } from "node:crypto";
import { NOTIFICATION_TEMPLATES } from "../../core/notifications/index.js";
import { invalidField } from "../errors.js";

/** Event types an endpoint may subscribe to ("*": all, including types added later). */
export const WEBHOOK_EVENT_TYPES: readonly string[] = NOTIFICATION_TEMPLATES;

/** Every signing secret starts with this, so a leaked one is recognisable. */
export const WEBHOOK_SECRET_PREFIX = "whsec_";

const MAX_URL_LENGTH = 2000;

export interface CreateWebhookEndpointInput {
  readonly url: string;
  readonly events: readonly string[];
  readonly description?: string | null;
}

export interface UpdateWebhookEndpointInput {
  readonly url?: string;
  readonly events?: readonly string[];
  readonly description?: string | null;
  readonly disabled?: boolean;
}

/** An http(s) URL without credentials (they would show in every listing). */
export function checkWebhookUrl(url: string, path: string): string {
  const trimmed = url.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_URL_LENGTH) {
    throw invalidField(path, `must be 1 to ${MAX_URL_LENGTH} characters`);
  }
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    throw invalidField(path, "must be an absolute http or https URL");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw invalidField(path, "must be an http or https URL");
  }
  if (parsed.username !== "" || parsed.password !== "") {
    throw invalidField(path, "must not carry a user name or password");
  }
  return parsed.toString();
}

/** The filter deduplicated: "*" alone, or known types in the documented order. */
export function checkEvents(events: readonly string[], path: string): string[] {
  events.forEach((e, i) => {
    if (e !== "*" && !WEBHOOK_EVENT_TYPES.includes(e)) {
      throw invalidField(
        `${path}[${i}]`,
        `must be "*" or one of ${WEBHOOK_EVENT_TYPES.join(", ")}`,
      );
    }
  });
  if (events.length === 0) throw invalidField(path, "must name at least one event type");
  if (events.includes("*")) return ["*"];
  return WEBHOOK_EVENT_TYPES.filter((t) => events.includes(t));
}

export function checkDescription(value: string | null | undefined, path: string): string | null {
  if (value === undefined || value === null) return null;
  const trimmed = value.trim();
  if (trimmed.length > 500) throw invalidField(path, "must be at most 500 characters");
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw invalidField(path, "must not contain control characters");
  }
  return trimmed === "" ? null : trimmed;
}

/** A new signing secret: `whsec_` and 32 random bytes as base64url. */
export function newWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString("base64url")}`;
}
