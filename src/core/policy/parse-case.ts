import { isAfter } from "../calendar/instant.js";
import { currencyExponent } from "../money/currencies.js";
import type { Money } from "../money/money.js";
import { notBlank } from "../text/white-space.js";
import { CASE_FORMAT } from "./case-format.js";
import { overrideParams } from "./policy-file.js";
import type {
  CaseFacts,
  InputError,
  Payment,
  Policy,
  PolicyParams,
  RefundCase,
  Result,
  ServiceEvent,
} from "./types.js";
import { Invalid } from "./validate.js";

// A case arrives either as JSON (the CLI, the spec's cases) or as typed facts (the service, from
// stored rows). Both go through `checkFacts`, which holds what the types cannot say; JSON is read
// first by the case format's tables (case-format.ts), which say what the JSON types cannot.

/** True for a currency the engine can count in. */
function knownCurrency(m: Money): boolean {
  return currencyExponent(m.currency) !== undefined;
}

/** Throws `Invalid` at the first fact that breaks a rule of the case format beyond its types. */
export function checkFacts(facts: CaseFacts): void {
  const { order, payments, events } = facts;
  if (!knownCurrency(order.price)) {
    throw new Invalid("order.price.currency", `unknown currency "${order.price.currency}"`);
  }
  if (order.price.minor < 0n) throw new Invalid("order.price.amount", "must not be negative");
  const sub = order.subscription;
  if (sub !== null && order.service.billing !== "subscription") {
    throw new Invalid("order.subscription", 'is only for billing "subscription"; use null');
  }
  if (sub === null && order.service.billing === "subscription") {
    throw new Invalid("order.subscription", "is required for a subscription (the current period)");
  }
  if (sub !== null) {
    if (!isAfter(sub.periodEnd, sub.periodStart)) {
      throw new Invalid("order.subscription.periodEnd", "must be after periodStart");
    }
    if (!notBlank(sub.chargeRef)) {
      throw new Invalid("order.subscription.chargeRef", "must not be empty");
    }
  }
  // Paths are spelled out only for a fact that is wrong.
  for (let i = 0; i < payments.length; i++) {
    const p = payments[i] as Payment;
    if (!notBlank(p.id)) throw new Invalid(`payments[${i}].id`, "must not be empty");
    if (!notBlank(p.chargeRef)) throw new Invalid(`payments[${i}].chargeRef`, "must not be empty");
    if (!knownCurrency(p.amount)) {
      throw new Invalid(
        `payments[${i}].amount.currency`,
        `unknown currency "${p.amount.currency}"`,
      );
    }
    if (p.amount.minor <= 0n) {
      throw new Invalid(`payments[${i}].amount.amount`, "must be greater than 0");
    }
    if (payments.findIndex((q) => q.id === p.id) < i) {
      throw new Invalid(`payments[${i}].id`, `duplicate payment id "${p.id}"`);
    }
  }
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as ServiceEvent;
    if (e.to !== null && isAfter(e.from, e.to)) {
      throw new Invalid(`events[${i}].to`, "must not be before from");
    }
  }
}

/** The case to decide: checked facts, `asOf` resolved, the parameters in force. */
export function caseOf(facts: CaseFacts, params: PolicyParams): RefundCase {
  checkFacts(facts);
  return {
    asOf: facts.asOf ?? facts.request.submittedAt,
    params,
    order: facts.order,
    payments: facts.payments,
    events: facts.events,
    request: facts.request,
  };
}

/** The case as `JSON.parse` returns it, read and checked; throws `Invalid`. */
export function readCase(raw: unknown, policy: Policy): RefundCase {
  const c = CASE_FORMAT.read(raw, "", "");
  const params =
    c.policy === undefined ? policy.params : overrideParams(policy.params, c.policy, "policy");
  return caseOf(c, params);
}

/** Runs a reader, turning `Invalid` into an `InputError` value. */
export function inputResult<T>(read: () => T): Result<T, InputError> {
  try {
    return { ok: true, value: read() };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: { path: e.path, message: e.message } };
    throw e;
  }
}

/**
 * Validates a case exactly as `JSON.parse` returns it and converts it to exact values: money as
 * bigint minor units, instants exact to the nanosecond, the policy's parameters with the case's
 * overrides applied. Bad input yields the JSON path of the offending field.
 */
export function parseCase(raw: unknown, policy: Policy): Result<RefundCase, InputError> {
  return inputResult(() => readCase(raw, policy));
}
