// How a report's cell reads in its table: counts and days as numbers in the reader's locale,
// amounts with their currency (from the decimal string, never a float), codes in words, days
// and months as the API writes them (so the table and its CSV show the same dates).

import type { TFunction } from "i18next";
import { formatMoney, intlLocale } from "../../shared/format";
import type { ReportRow } from "./api";

export type ColumnKind =
  "day" | "month" | "count" | "amount" | "currency" | "days" | "code" | "text" | "id";

export interface Column {
  key: string;
  kind: ColumnKind;
}

/** A number for people: grouped digits, `decimals` fixed. */
export function formatNumber(value: number, language: string, decimals = 0): string {
  return new Intl.NumberFormat(intlLocale(language), {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  }).format(value);
}

/** A code (reason, method, side) in words; an unknown code as it is. */
export function codeLabel(t: TFunction, code: string): string {
  return t(`reports.codes.${code}` as "reports.codes.other", { defaultValue: code });
}

/** One cell's text. */
export function cellText(t: TFunction, language: string, column: Column, row: ReportRow): string {
  const value = row[column.key];
  if (value === null || value === undefined) return t("reports.none");
  switch (column.kind) {
    case "count":
      return formatNumber(Number(value), language);
    case "days":
      return formatNumber(Number(value), language, 1);
    case "amount":
      return formatMoney({ amount: String(value), currency: String(row["currency"]) }, language);
    case "code":
      return codeLabel(t, String(value));
    case "day":
    case "month":
    case "currency":
    case "text":
    case "id":
      return String(value);
  }
}
