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
  asObj,
  child,
  int,
  Invalid,
  nonBlankField,
  objField,
  onlyKeys,
  oneOf,
  strField,
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

/** True when every key is a parameter's (a chain of `===`: cheaper than a Set for every case). */
function paramKeysKnown(o: Record<string, unknown>): boolean {
  for (const k in o) {
    if (
      k !== "timezone" &&
      k !== "requestWindowDays" &&
      k !== "payoutBusinessDays" &&
      k !== "holidays" &&
      k !== "holidayCountry" &&
      k !== "cryptoRefundValuation" &&
      k !== "autoApprove"
    ) {
      return false;
    }
  }
  return true;
}

/**
 * Validates parameter overrides (every key optional) on top of `base`. Throws Invalid naming the
 * field; used for the policy file and for a case's `policy` block alike.
 */
export function overrideParams(base: PolicyParams, raw: unknown, path: string): PolicyParams {
  const o = asObj(raw, path);
  if (!paramKeysKnown(o)) onlyKeys(o, PARAM_KEYS, path);
  let timezone = base.timezone;
  if (o.timezone !== undefined) {
    timezone = strField(o, "timezone", path);
    if (!isValidTimeZone(timezone)) {
      throw new Invalid(child(path, "timezone"), `unknown IANA time zone "${timezone}"`);
    }
  }
  let requestWindowDays = base.requestWindowDays;
  if (o.requestWindowDays !== undefined) {
    requestWindowDays = int(o.requestWindowDays, child(path, "requestWindowDays"), 0, 3650);
  }
  let payoutBusinessDays = base.payoutBusinessDays;
  if (o.payoutBusinessDays !== undefined) {
    const at = child(path, "payoutBusinessDays");
    const a = arr(o.payoutBusinessDays, at);
    if (a.length !== 2) throw new Invalid(at, "must be two numbers: [earliest, latest]");
    const lo = int(a[0], `${at}[0]`, 0, 366);
    const hi = int(a[1], `${at}[1]`, 0, 366);
    if (hi < lo) throw new Invalid(`${at}[1]`, "must not be before the earliest");
    payoutBusinessDays = [lo, hi];
  }
  let holidays = base.holidays;
  if (o.holidays !== undefined) {
    const at = child(path, "holidays");
    holidays = arr(o.holidays, at).map((h, i) => {
      if (typeof h !== "string" || parseDay(h) === undefined) {
        throw new Invalid(`${at}[${i}]`, `${JSON.stringify(h)} is not a YYYY-MM-DD date`);
      }
      return h;
    });
  }
  let holidayCountry = base.holidayCountry;
  if (o.holidayCountry !== undefined) {
    if (o.holidayCountry === null) holidayCountry = null;
    else {
      const code = strField(o, "holidayCountry", path);
      if (!isKnownHolidayCountry(code)) {
        throw new Invalid(
          child(path, "holidayCountry"),
          `unknown holiday country or region "${code}" (e.g. "US" or "US-CA")`,
        );
      }
      holidayCountry = code;
    }
  }
  const cryptoRefundValuation =
    o.cryptoRefundValuation === undefined
      ? base.cryptoRefundValuation
      : oneOf(o.cryptoRefundValuation, CRYPTO_VALUATIONS, child(path, "cryptoRefundValuation"));
  let autoApprove = base.autoApprove;
  if (o.autoApprove !== undefined) {
    const at = child(path, "autoApprove");
    autoApprove = arr(o.autoApprove, at).map((r, i): Reason => oneOf(r, REASONS, `${at}[${i}]`));
  }
  // Built in one literal so every params object has the same shape.
  return {
    timezone,
    requestWindowDays,
    payoutBusinessDays,
    holidays,
    holidayCountry,
    cryptoRefundValuation,
    autoApprove,
  };
}

const TOP_KEYS = new Set(["version", "parameters", "clauses"]);
const CLAUSE_SET: ReadonlySet<string> = new Set(CLAUSE_IDS);

/**
 * Validates a policy document (the parsed YAML or JSON of a policy file): a version id, every
 * parameter (defaults fill the ones left out) and the wording of every clause.
 */
export function parsePolicy(doc: unknown): Result<Policy, InputError> {
  try {
    const o = asObj(doc, "");
    onlyKeys(o, TOP_KEYS, "");
    const version = nonBlankField(o, "version", "");
    const params =
      o.parameters === undefined
        ? DEFAULT_PARAMS
        : overrideParams(DEFAULT_PARAMS, o.parameters, "parameters");
    const c = objField(o, "clauses", "", CLAUSE_SET);
    const clauses = {} as Record<ClauseId, string>;
    for (const id of CLAUSE_IDS) clauses[id] = nonBlankField(c, id, "clauses");
    return { ok: true, value: { version, params, clauses } };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: { path: e.path, message: e.message } };
    throw e;
  }
}
