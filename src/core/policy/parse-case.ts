import { isAfter } from "../calendar/instant.js";
import { currencyExponent } from "../money/currencies.js";
import type { Money } from "../money/money.js";
import { notBlank } from "../text/white-space.js";
import { CASE_FORMAT, readAt } from "./case-format.js";
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
// stored rows). JSON is read by the case format's tables (case-format.ts), whose readers check
// each field (a blank id, an unknown currency); typed facts get the same field checks from
// `checkFields`, since they did not go through those readers. Both then go through `checkRules`,
// which holds what no single field can say (a subscription that matches the billing, instants in
// order, unique payment ids).

/** True for a currency the engine can count in. */
function knownCurrency(m: Money): boolean {
  return currencyExponent(m.currency) !== undefined;
}

/**
 * Throws `Invalid` at the first typed fact that the case format's readers would have refused as
 * JSON (a blank id, an unknown currency): facts built from stored rows did not go through them.
 */
function checkFields(facts: CaseFacts): void {
  const { order, payments } = facts;
  if (!knownCurrency(order.price)) {
    throw new Invalid("order.price.currency", `unknown currency "${order.price.currency}"`);
  }
  if (order.subscription !== null && !notBlank(order.subscription.chargeRef)) {
    throw new Invalid("order.subscription.chargeRef", "must not be empty");
  }
  payments.forEach((p, i) => {
    if (!notBlank(p.id)) throw new Invalid(`payments[${i}].id`, "must not be empty");
    if (!notBlank(p.chargeRef)) throw new Invalid(`payments[${i}].chargeRef`, "must not be empty");
    if (!knownCurrency(p.amount)) {
      throw new Invalid(
        `payments[${i}].amount.currency`,
        `unknown currency "${p.amount.currency}"`,
      );
    }
  });
}

/**
 * Throws `Invalid` at the first fact that breaks a rule of the case format beyond what each field's
 * reader checks: signs of amounts, a subscription that matches the billing, instants in order,
 * payment ids unique.
 */
function checkRules(facts: CaseFacts): void {
  const { order, payments, events } = facts;
  if (order.price.minor < 0n) throw new Invalid("order.price.amount", "must not be negative");
  const sub = order.subscription;
  if (sub !== null && order.service.billing !== "subscription") {
    throw new Invalid("order.subscription", 'is only for billing "subscription"; use null');
  }
  if (sub === null && order.service.billing === "subscription") {
    throw new Invalid("order.subscription", "is required for a subscription (the current period)");
  }
  if (sub !== null && !isAfter(sub.periodEnd, sub.periodStart)) {
    throw new Invalid("order.subscription.periodEnd", "must be after periodStart");
  }
  // Paths are spelled out only for a fact that is wrong.
  for (let i = 0; i < payments.length; i++) {
    const p = payments[i] as Payment;
    if (p.amount.minor <= 0n) {
      throw new Invalid(`payments[${i}].amount.amount`, "must be greater than 0");
    }
    for (let j = 0; j < i; j++) {
      if ((payments[j] as Payment).id === p.id) {
        throw new Invalid(`payments[${i}].id`, `duplicate payment id "${p.id}"`);
      }
    }
  }
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as ServiceEvent;
    if (e.to !== null && isAfter(e.from, e.to)) {
      throw new Invalid(`events[${i}].to`, "must not be before from");
    }
  }
}

/** The case to decide from facts the format's readers checked: `asOf` resolved, the parameters in force. */
function checkedCase(facts: CaseFacts, params: PolicyParams): RefundCase {
  checkRules(facts);
  return {
    asOf: facts.asOf ?? facts.request.submittedAt,
    params,
    order: facts.order,
    payments: facts.payments,
    events: facts.events,
    request: facts.request,
  };
}

/** The case to decide from typed facts: checked, `asOf` resolved, the parameters in force. */
export function caseOf(facts: CaseFacts, params: PolicyParams): RefundCase {
  checkFields(facts);
  return checkedCase(facts, params);
}

/** True for a case's `policy` block that sets its time zone and nothing else. */
function setsZoneOnly(block: unknown): block is { readonly timezone: string } {
  if (typeof block !== "object" || block === null) return false;
  for (const key in block) if (key !== "timezone") return false;
  return typeof (block as { readonly timezone?: unknown }).timezone === "string";
}

/**
 * Parameters of a policy with one time zone instead of its own, per policy and zone. Most cases
 * that carry a `policy` block only name their zone; the parameters for it are built once (a zone
 * is stored only once `overrideParams` accepted it, so there are at most as many as IANA zones).
 */
const paramsByZone = new WeakMap<PolicyParams, Map<string, PolicyParams>>();

/** The parameters in force for a case: the policy's, with the case's `policy` block applied. */
function caseParams(base: PolicyParams, block: unknown): PolicyParams {
  if (block === undefined) return base;
  if (!setsZoneOnly(block)) return overrideParams(base, block, "policy");
  let byZone = paramsByZone.get(base);
  if (byZone === undefined) {
    byZone = new Map();
    paramsByZone.set(base, byZone);
  }
  let params = byZone.get(block.timezone);
  if (params === undefined) {
    params = overrideParams(base, block, "policy");
    byZone.set(block.timezone, params);
  }
  return params;
}

/** The case as `JSON.parse` returns it, read and checked; throws `Invalid`. */
export function readCase(raw: unknown, policy: Policy): RefundCase {
  const c = readAt(CASE_FORMAT, raw, "");
  return checkedCase(c, caseParams(policy.params, c.policy));
}

/** `Invalid` caught from a reader as an `InputError` value; any other error is thrown on. */
export function inputError(e: unknown): Result<never, InputError> {
  if (e instanceof Invalid) return { ok: false, error: { path: e.path, message: e.message } };
  throw e;
}

/** Runs a reader, turning `Invalid` into an `InputError` value. */
export function inputResult<T>(read: () => T): Result<T, InputError> {
  try {
    return { ok: true, value: read() };
  } catch (e) {
    return inputError(e);
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
