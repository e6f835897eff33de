import { isValidTimeZone, parseDay } from "../calendar/calendar.js";
import { isKnownHolidayCountry } from "../calendar/business-days.js";
import { parseMoney } from "../money/money.js";
import {
  CLAUSE_IDS,
  CRYPTO_VALUATIONS,
  REASONS,
  type ClauseId,
  type InputError,
  type PayoutSettings,
  type Policy,
  type RetentionSettings,
  type WorkflowSettings,
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

/** An integer within bounds: what `int` accepts. */
function isIntIn(v: unknown, min: number, max: number): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;
}

/** An array of `YYYY-MM-DD` dates, every element present: what the `holidays` reader accepts. */
function allDayTexts(v: unknown): v is readonly string[] {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const h: unknown = v[i];
    if (typeof h !== "string" || parseDay(h) === undefined) return false;
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
  // A case's block goes through here for every evaluated case that overrides more than its time
  // zone, so valid values are taken without building their paths; `int`, `arr` and `oneOf` below
  // run only for a value these checks refuse, and say what is wrong with it.
  let requestWindowDays = base.requestWindowDays;
  const windowDays = o.requestWindowDays;
  if (windowDays !== undefined) {
    requestWindowDays = isIntIn(windowDays, 0, 3650)
      ? windowDays
      : int(windowDays, child(path, "requestWindowDays"), 0, 3650);
  }
  let payoutBusinessDays = base.payoutBusinessDays;
  const payoutDays = o.payoutBusinessDays;
  if (
    Array.isArray(payoutDays) &&
    payoutDays.length === 2 &&
    isIntIn(payoutDays[0], 0, 366) &&
    isIntIn(payoutDays[1], 0, 366) &&
    payoutDays[1] >= payoutDays[0]
  ) {
    payoutBusinessDays = [payoutDays[0], payoutDays[1]];
  } else if (payoutDays !== undefined) {
    const at = child(path, "payoutBusinessDays");
    const a = arr(o.payoutBusinessDays, at);
    if (a.length !== 2) throw new Invalid(at, "must be two numbers: [earliest, latest]");
    const lo = int(a[0], `${at}[0]`, 0, 366);
    const hi = int(a[1], `${at}[1]`, 0, 366);
    if (hi < lo) throw new Invalid(`${at}[1]`, "must not be before the earliest");
    payoutBusinessDays = [lo, hi];
  }
  let holidays = base.holidays;
  if (allDayTexts(o.holidays)) {
    holidays = (o.holidays as readonly string[]).slice();
  } else if (o.holidays !== undefined) {
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
  const valuation = o.cryptoRefundValuation;
  const cryptoRefundValuation =
    valuation === undefined
      ? base.cryptoRefundValuation
      : valuation === "fiat-at-payout" || valuation === "same-coins"
        ? valuation
        : oneOf(valuation, CRYPTO_VALUATIONS, child(path, "cryptoRefundValuation"));
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

/** Four-eyes above these amounts by default; other currencies always need two approvals. */
export const DEFAULT_PAYOUTS: PayoutSettings = {
  secondApprovalAbove: {
    USD: "1000.00",
    EUR: "1000.00",
    GBP: "1000.00",
    THB: "35000.00",
    BTC: "0.02",
    ETH: "0.5",
    USDT: "1000.00",
    USDC: "1000.00",
  },
};

function parsePayoutSettings(raw: unknown): PayoutSettings {
  const o = asObj(raw, "payouts");
  onlyKeys(o, new Set(["secondApprovalAbove"]), "payouts");
  const path = "payouts.secondApprovalAbove";
  const t = asObj(o.secondApprovalAbove, path);
  const out: Record<string, string> = {};
  for (const [currency, amount] of Object.entries(t)) {
    const at = child(path, currency);
    if (typeof amount !== "string")
      throw new Invalid(at, 'must be a decimal string such as "1000.00"');
    const parsed = parseMoney(amount, currency);
    if (!parsed.ok) throw new Invalid(at, parsed.message);
    if (parsed.value.minor < 0n) throw new Invalid(at, "must not be negative");
    out[currency] = amount;
  }
  return { secondApprovalAbove: out };
}

/** The workflow's deadlines when the policy file names none. */
export const DEFAULT_WORKFLOW: WorkflowSettings = {
  replyByBusinessDays: 5,
  qaAtRiskBusinessDays: 3,
  appealWindowDays: 14,
  followUpBusinessDays: 10,
};

const WORKFLOW_KEYS = new Set(Object.keys(DEFAULT_WORKFLOW));

function parseWorkflowSettings(raw: unknown): WorkflowSettings {
  const o = asObj(raw, "workflow");
  onlyKeys(o, WORKFLOW_KEYS, "workflow");
  const field = (key: keyof WorkflowSettings, min: number, max: number): number =>
    o[key] === undefined ? DEFAULT_WORKFLOW[key] : int(o[key], child("workflow", key), min, max);
  return {
    replyByBusinessDays: field("replyByBusinessDays", 1, 60),
    qaAtRiskBusinessDays: field("qaAtRiskBusinessDays", 1, 60),
    appealWindowDays: field("appealWindowDays", 1, 365),
    followUpBusinessDays: field("followUpBusinessDays", 1, 120),
  };
}

/** Retention when the policy file names none: five years after a request closed. */
export const DEFAULT_RETENTION: RetentionSettings = { closedRequestDataYears: 5 };

function parseRetentionSettings(raw: unknown): RetentionSettings {
  const o = asObj(raw, "retention");
  onlyKeys(o, new Set(["closedRequestDataYears"]), "retention");
  return {
    closedRequestDataYears:
      o["closedRequestDataYears"] === undefined
        ? DEFAULT_RETENTION.closedRequestDataYears
        : int(o["closedRequestDataYears"], child("retention", "closedRequestDataYears"), 1, 100),
  };
}

const TOP_KEYS = new Set(["version", "parameters", "clauses", "payouts", "workflow", "retention"]);
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
    const payouts = o.payouts === undefined ? DEFAULT_PAYOUTS : parsePayoutSettings(o.payouts);
    const workflow =
      o.workflow === undefined ? DEFAULT_WORKFLOW : parseWorkflowSettings(o.workflow);
    const retention =
      o.retention === undefined ? DEFAULT_RETENTION : parseRetentionSettings(o.retention);
    return { ok: true, value: { version, params, clauses, payouts, workflow, retention } };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: { path: e.path, message: e.message } };
    throw e;
  }
}
