import { isValidTimeZone, parseDay } from "../calendar/calendar.js";
import { isKnownHolidayCountry } from "../calendar/business-days.js";
import {
  CLAUSE_IDS,
  CRYPTO_VALUATIONS,
  REASONS,
  type ClauseId,
  type InputError,
  type Policy,
  type PolicyParams,
  type Reason,
  type Result,
} from "./types.js";
import {
  arr,
  child,
  int,
  Invalid,
  nonBlank,
  obj,
  onlyKeys,
  oneOf,
  required,
  str,
} from "./validate.js";

/** The parameters of the default policy (policy-decisions.md). */
export const DEFAULT_PARAMS: PolicyParams = {
  timezone: "UTC",
  requestWindowDays: 7,
  payoutBusinessDays: [7, 14],
  holidays: [],
  holidayCountry: null,
  cryptoRefundValuation: "fiat-at-payout",
  autoApprove: ["duplicate_payment"],
};

const PARAM_KEYS = new Set(Object.keys(DEFAULT_PARAMS));

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Validates parameter overrides (every key optional) on top of `base`. Throws Invalid naming the
 * field; used for the policy file and for a case's `policy` block alike.
 */
export function overrideParams(base: PolicyParams, raw: unknown, path: string): PolicyParams {
  const o = obj(raw, path);
  onlyKeys(o, PARAM_KEYS, path);
  const p: Mutable<PolicyParams> = { ...base };
  if (o.timezone !== undefined) {
    const tz = str(o.timezone, child(path, "timezone"));
    if (!isValidTimeZone(tz)) {
      throw new Invalid(child(path, "timezone"), `unknown IANA time zone "${tz}"`);
    }
    p.timezone = tz;
  }
  if (o.requestWindowDays !== undefined) {
    p.requestWindowDays = int(o.requestWindowDays, child(path, "requestWindowDays"), 0, 3650);
  }
  if (o.payoutBusinessDays !== undefined) {
    const at = child(path, "payoutBusinessDays");
    const a = arr(o.payoutBusinessDays, at);
    if (a.length !== 2) throw new Invalid(at, "must be two numbers: [earliest, latest]");
    const lo = int(a[0], `${at}[0]`, 0, 366);
    const hi = int(a[1], `${at}[1]`, 0, 366);
    if (hi < lo) throw new Invalid(`${at}[1]`, "must not be before the earliest");
    p.payoutBusinessDays = [lo, hi];
  }
  if (o.holidays !== undefined) {
    const at = child(path, "holidays");
    p.holidays = arr(o.holidays, at).map((h, i) => {
      const text = str(h, `${at}[${i}]`);
      if (parseDay(text) === undefined) {
        throw new Invalid(`${at}[${i}]`, `"${text}" is not a YYYY-MM-DD date`);
      }
      return text;
    });
  }
  if (o.holidayCountry !== undefined) {
    const at = child(path, "holidayCountry");
    if (o.holidayCountry === null) p.holidayCountry = null;
    else {
      const code = str(o.holidayCountry, at);
      if (!isKnownHolidayCountry(code)) {
        throw new Invalid(at, `unknown holiday country or region "${code}" (e.g. "US" or "US-CA")`);
      }
      p.holidayCountry = code;
    }
  }
  if (o.cryptoRefundValuation !== undefined) {
    p.cryptoRefundValuation = oneOf(
      o.cryptoRefundValuation,
      CRYPTO_VALUATIONS,
      child(path, "cryptoRefundValuation"),
    );
  }
  if (o.autoApprove !== undefined) {
    const at = child(path, "autoApprove");
    p.autoApprove = arr(o.autoApprove, at).map((r, i): Reason => oneOf(r, REASONS, `${at}[${i}]`));
  }
  return p;
}

const TOP_KEYS = new Set(["version", "parameters", "clauses"]);
const CLAUSE_SET: ReadonlySet<string> = new Set(CLAUSE_IDS);

/**
 * Validates a policy document (the parsed YAML or JSON of a policy file): a version id, every
 * parameter (defaults fill the ones left out) and the wording of every clause.
 */
export function parsePolicy(doc: unknown): Result<Policy, InputError> {
  try {
    const o = obj(doc, "");
    onlyKeys(o, TOP_KEYS, "");
    const version = nonBlank(required(o, "version", ""), "version");
    const params =
      o.parameters === undefined
        ? DEFAULT_PARAMS
        : overrideParams(DEFAULT_PARAMS, o.parameters, "parameters");
    const c = obj(required(o, "clauses", ""), "clauses");
    onlyKeys(c, CLAUSE_SET, "clauses");
    const clauses = {} as Record<ClauseId, string>;
    for (const id of CLAUSE_IDS) {
      clauses[id] = nonBlank(required(c, id, "clauses"), child("clauses", id));
    }
    return { ok: true, value: { version, params, clauses } };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: { path: e.path, message: e.message } };
    throw e;
  }
}
