/**
 * PHP's `version_compare`, which WordPress core, plugins and themes and Composer (after it
 * normalizes) use to order versions. No maintained npm package does this on Node 20, and the
 * algorithm is PHP's documented one: split into numbers and words, then order the words
 * `dev < alpha = a < beta = b < RC = rc < (a number) < pl = p`, any other word before `dev`.
 */
const SPECIAL: Record<string, number> = { dev: 0, alpha: 1, a: 1, beta: 2, b: 2, rc: 3, '#': 4, pl: 5, p: 5 };

function canonical(version: string): string[] {
  return version
    .trim()
    .replace(/[-_+]/g, '.')
    .replace(/(\d)(?=[^\d.])|([^\d.])(?=\d)/g, '$1$2.')
    .split('.')
    .filter((p) => p !== '');
}

const rank = (part: string) => SPECIAL[part.toLowerCase()] ?? -1;
const isNumber = (part: string) => /^\d+$/.test(part);

function comparePart(a: string, b: string): number {
  if (isNumber(a) && isNumber(b)) return Math.sign(Number(a) - Number(b));
  if (isNumber(a)) return Math.sign(rank('#') - rank(b));
  if (isNumber(b)) return Math.sign(rank(a) - rank('#'));
  return Math.sign(rank(a) - rank(b));
}

export function phpVersionCompare(a: string, b: string): number {
  const pa = canonical(a);
  const pb = canonical(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    // What is left of the longer version decides: a number makes it newer, "rc" older, "pl" newer.
    if (x === undefined) return isNumber(y!) ? -1 : comparePart('#', y!);
    if (y === undefined) return isNumber(x) ? 1 : comparePart(x, '#');
    const c = comparePart(x, y);
    if (c !== 0) return c;
  }
  return 0;
}

/** A version of numbers and PHP's words, which is all version_compare can order meaningfully. */
export const isPhpVersion = (v: string) => /^v?\d+(\.\d+)*([-_.+]?(dev|alpha|a|beta|b|rc|pl|p|patch)?\.?\d*)*$/i.test(v.trim());

/** Pads the leading numbers to `count` parts, so "6.4" and "6.4.0" (or Composer's "1.0" and "1.0.0.0") are one version. */
export function padNumbers(version: string, count: number): string {
  const m = /^(\d+(?:\.\d+)*)(.*)$/.exec(version.trim());
  if (!m) return version;
  const nums = m[1]!.split('.');
  while (nums.length < count) nums.push('0');
  return nums.join('.') + m[2]!;
}
