// White space as the decision spec defines it: the characters with Unicode's White_Space property
// (PropList.txt), listed here explicitly. JavaScript's `trim()` and `\s` disagree with that list:
// they take U+FEFF (byte order mark) as white space and miss U+0085 (next line).

/** Unicode's White_Space characters as PropList.txt lists them: ranges of code units, all in the BMP. */
const WHITE_SPACE_RANGES: readonly (readonly [number, number])[] = [
  [0x0009, 0x000d],
  [0x0020, 0x0020],
  [0x0085, 0x0085],
  [0x00a0, 0x00a0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
];

/** The code units of Unicode's White_Space characters. */
export const WHITE_SPACE: ReadonlySet<number> = new Set(
  WHITE_SPACE_RANGES.flatMap(([from, to]) =>
    Array.from({ length: to - from + 1 }, (_, i) => from + i),
  ),
);

/**
 * True for a White_Space code unit. The same list as `WHITE_SPACE`, written as comparisons: this
 * runs for every character checked by `notBlank`, and a Set lookup per character made reading a
 * case measurably slower (docs/performance.md).
 */
export function isWhiteSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0x85) return false;
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** True when `s` has a character other than white space. */
export function notBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    if (!isWhiteSpace(s.charCodeAt(i))) return true;
  }
  return false;
}
