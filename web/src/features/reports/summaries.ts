// Each chart's text summary: what the chart shows, in a few sentences, from the same rows as the
// table (a person who cannot see the chart reads this, then the table).

import type { TFunction } from "i18next";
import { formatMoney } from "../../shared/format";
import type { Reports, ReportRow } from "./api";
import { codeLabel, formatNumber } from "./cells";

const num = (v: unknown): number => (typeof v === "number" ? v : Number(v ?? 0));
const sum = (rows: readonly ReportRow[], key: string): number =>
  rows.reduce((s, r) => s + num(r[key]), 0);

function share(part: number, whole: number, language: string): string {
  if (whole === 0) return "0%";
  return new Intl.NumberFormat(language.startsWith("th") ? "th-TH" : "en-GB", {
    style: "percent",
    maximumFractionDigits: 0,
  }).format(part / whole);
}

/** Exact sum of decimal strings of one currency (as bigint of the smallest unit shown). */
export function sumDecimals(values: readonly string[]): string {
  const decimals = Math.max(0, ...values.map((v) => v.split(".")[1]?.length ?? 0));
  const total = values.reduce((s, v) => {
    const [int = "0", frac = ""] = v.split(".");
    return s + BigInt(int + frac.padEnd(decimals, "0"));
  }, 0n);
  if (decimals === 0) return total.toString();
  const text = total.toString().padStart(decimals + 1, "0");
  return `${text.slice(0, -decimals)}.${text.slice(-decimals)}`;
}

/** The currencies of the rows, in order of first appearance. */
export function currenciesOf(rows: readonly ReportRow[]): string[] {
  return [...new Set(rows.map((r) => String(r["currency"])))];
}

type Summarise<N extends keyof Reports> = (
  t: TFunction,
  language: string,
  r: Reports[N],
) => string[];

const requestVolume: Summarise<"request-volume"> = (t, language, r) => {
  const rows = r.rows as unknown as ReportRow[];
  const total = sum(rows, "requests");
  const n = (v: number) => formatNumber(v, language);
  const out = [
    t("reports.reports.request-volume.summary", {
      count: n(total) as never,
      from: r.period.from,
      to: r.period.to,
    }),
  ];
  if (total === 0) return out;
  const busiest = rows.reduce((a, b) => (num(b["requests"]) > num(a["requests"]) ? b : a));
  out.push(
    t("reports.reports.request-volume.busiest", {
      week: String(busiest["weekStart"]),
      count: n(num(busiest["requests"])) as never,
    }),
  );
  const reasons = [
    ["not_delivered", "notDelivered"],
    ["mismatch", "mismatch"],
    ["duplicate_payment", "duplicatePayment"],
    ["unused_subscription", "unusedSubscription"],
    ["other", "other"],
  ] as const;
  const [code, key] = reasons.reduce((a, b) => (sum(rows, b[1]) > sum(rows, a[1]) ? b : a));
  out.push(
    t("reports.reports.request-volume.topReason", {
      reason: codeLabel(t, code),
      count: n(sum(rows, key)) as never,
      share: share(sum(rows, key), total, language),
    }),
  );
  out.push(
    t("reports.reports.request-volume.outcomes", {
      recommended: n(sum(rows, "recommendedRefund")),
      approved: n(sum(rows, "decidedApproved")),
      recommendedDeny: n(sum(rows, "recommendedDeny")),
      denied: n(sum(rows, "decidedDenied")),
      open: n(sum(rows, "decidedOpen")),
    }),
  );
  return out;
};

const against: Summarise<"against-recommendation"> = (t, language, r) => {
  const rows = r.rows as unknown as ReportRow[];
  const decisions = sum(rows, "decisions");
  const departures = sum(rows, "against");
  const firm = departures + sum(rows, "followed");
  const out = [
    t("reports.reports.against-recommendation.summary", {
      decisions: formatNumber(decisions, language),
      against: formatNumber(departures, language),
      share: share(departures, firm, language),
    }),
  ];
  const perReviewer = new Map<string, number>();
  for (const row of rows) {
    const who = String(row["reviewer"]);
    perReviewer.set(who, (perReviewer.get(who) ?? 0) + num(row["against"]));
  }
  const top = [...perReviewer].sort((a, b) => b[1] - a[1])[0];
  if (top !== undefined && top[1] > 0) {
    out.push(
      t("reports.reports.against-recommendation.top", {
        reviewer: top[0],
        count: formatNumber(top[1], language) as never,
      }),
    );
  }
  return out;
};

const refunded: Summarise<"refunded-amounts"> = (t, language, r) => {
  const rows = r.rows as unknown as ReportRow[];
  if (rows.length === 0) return [t("reports.reports.refunded-amounts.summaryNone")];
  return currenciesOf(rows).map((currency) => {
    const mine = rows.filter((x) => x["currency"] === currency);
    return t("reports.reports.refunded-amounts.summary", {
      currency,
      amount: formatMoney(
        { amount: sumDecimals(mine.map((x) => String(x["amount"]))), currency },
        language,
      ),
      count: formatNumber(sum(mine, "payouts"), language) as never,
    });
  });
};

const deadlines: Summarise<"payout-deadlines"> = (t, language, r) => {
  const rows = r.rows as unknown as ReportRow[];
  const n = (k: string) => formatNumber(sum(rows, k), language);
  const out = [
    t("reports.reports.payout-deadlines.summary", {
      due: n("due"),
      kept: n("kept"),
      share: share(sum(rows, "kept"), sum(rows, "due"), language),
      late: n("late"),
      overdue: n("overdue"),
      open: n("open"),
    }),
  ];
  const measured = rows.filter((x) => x["medianDaysToSend"] !== null);
  if (measured.length > 0) {
    const worst = measured.reduce((a, b) =>
      num(b["medianDaysToSend"]) > num(a["medianDaysToSend"]) ? b : a,
    );
    out.push(
      t("reports.reports.payout-deadlines.worstMedian", {
        month: String(worst["month"]),
        median: formatNumber(num(worst["medianDaysToSend"]), language, 1),
        p90: formatNumber(num(worst["p90DaysToSend"]), language, 1),
      }),
    );
  }
  return out;
};

const decisionTimes: Summarise<"decision-times"> = (t, language, r) => {
  const rows = r.rows as unknown as ReportRow[];
  const out = [
    t("reports.reports.decision-times.summary", {
      decided: formatNumber(sum(rows, "decided"), language),
      automatic: formatNumber(sum(rows, "automatic"), language),
    }),
  ];
  const measured = rows.filter((x) => x["medianDays"] !== null);
  if (measured.length > 0) {
    const worst = measured.reduce((a, b) => (num(b["medianDays"]) > num(a["medianDays"]) ? b : a));
    out.push(
      t("reports.reports.decision-times.slowest", {
        week: String(worst["weekStart"]),
        median: formatNumber(num(worst["medianDays"]), language, 1),
        p90: formatNumber(num(worst["p90Days"]), language, 1),
      }),
    );
  }
  return out;
};

const waiting: Summarise<"waiting-requests"> = (t, language, r) => {
  const rows = r.rows as unknown as ReportRow[];
  const side = (s: string) => rows.find((x) => x["waitingOn"] === s);
  const days = (row: ReportRow | undefined) =>
    row?.["oldestDays"] === null || row === undefined
      ? "0"
      : formatNumber(num(row["oldestDays"]), language, 1);
  return [
    t("reports.reports.waiting-requests.summary", {
      qa: formatNumber(num(side("qa")?.["waiting"]), language),
      qaOldest: days(side("qa")),
      client: formatNumber(num(side("client")?.["waiting"]), language),
      clientOldest: days(side("client")),
    }),
  ];
};

const duplicates: Summarise<"duplicate-payments"> = (t, language, r) => {
  const rows = r.rows as unknown as ReportRow[];
  if (rows.length === 0) return [t("reports.reports.duplicate-payments.summaryNone")];
  return currenciesOf(rows).map((currency) => {
    const mine = rows.filter((x) => x["currency"] === currency);
    const money = (key: string) =>
      formatMoney({ amount: sumDecimals(mine.map((x) => String(x[key]))), currency }, language);
    return t("reports.reports.duplicate-payments.summary", {
      currency,
      found: formatNumber(sum(mine, "found"), language),
      foundAmount: money("foundAmount"),
      refunded: formatNumber(sum(mine, "refundedInFull"), language),
      partly: formatNumber(sum(mine, "partlyRefunded"), language),
      notRefunded: formatNumber(sum(mine, "notRefunded"), language),
      refundedAmount: money("refundedAmount"),
    });
  });
};

const SUMMARIES: { [N in keyof Reports]: Summarise<N> } = {
  "request-volume": requestVolume,
  "against-recommendation": against,
  "refunded-amounts": refunded,
  "payout-deadlines": deadlines,
  "decision-times": decisionTimes,
  "waiting-requests": waiting,
  "duplicate-payments": duplicates,
};

/** The summary sentences of a report. */
export function summarise<N extends keyof Reports>(
  name: N,
  t: TFunction,
  language: string,
  report: Reports[N],
): string[] {
  return SUMMARIES[name](t, language, report);
}
