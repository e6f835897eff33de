// Decimal amounts as the API writes them ("4800.00"), compared and checked as text: never a float.

const DECIMAL = /^\d{1,30}(\.\d{1,18})?$/;

/** Whether `text` is a plain non-negative decimal ("4800", "4800.5", "0.00000001"). */
export function isDecimal(text: string): boolean {
  return DECIMAL.test(text.trim());
}

/** The canonical form of a decimal: no leading zeros, no trailing fraction zeros ("04800.50" -> "4800.5"). */
export function canonicalDecimal(text: string): string {
  const [whole = "", fraction = ""] = text.trim().split(".");
  const w = whole.replace(/^0+(?=\d)/, "");
  const f = fraction.replace(/0+$/, "");
  return f === "" ? w : `${w}.${f}`;
}

/** Whether two decimals are the same amount ("4800" and "4800.00" are). */
export function sameDecimal(a: string, b: string): boolean {
  return isDecimal(a) && isDecimal(b) && canonicalDecimal(a) === canonicalDecimal(b);
}
