// White space as the decision spec defines it: the characters with Unicode's White_Space property
// (PropList.txt), listed here explicitly. JavaScript's `trim()` and `\s` disagree with that list:
// they take U+FEFF (byte order mark) as white space and miss U+0085 (next line).

/** The code units of Unicode's White_Space characters (all in the Basic Multilingual Plane). */
export const WHITE_SPACE: ReadonlySet<number> = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
  0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

/** True when `s` has a character other than white space. */
export function notBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    if (!WHITE_SPACE.has(s.charCodeAt(i))) return true;
  }
  return false;
}
