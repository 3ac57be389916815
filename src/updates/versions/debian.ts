/**
 * Debian's version ordering (Debian Policy 5.6.12): `[epoch:]upstream[-revision]`, compared epoch
 * first, then upstream and revision each by alternating non-digit and digit runs, where `~` sorts
 * before everything (even the end of the string) and letters before other characters. Written
 * here because the one npm package for it is unmaintained; the policy text is the specification.
 */
function order(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  if (/[a-z]/i.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

function compareFragment(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    // Non-digit prefix, character by character.
    while ((i < a.length && !/\d/.test(a[i]!)) || (j < b.length && !/\d/.test(b[j]!))) {
      const x = i < a.length && !/\d/.test(a[i]!) ? a[i] : undefined;
      const y = j < b.length && !/\d/.test(b[j]!) ? b[j] : undefined;
      const diff = order(x) - order(y);
      if (diff !== 0) return Math.sign(diff);
      if (x !== undefined) i++;
      if (y !== undefined) j++;
    }
    // Then the digit runs as numbers.
    const da = /^\d*/.exec(a.slice(i))![0];
    const db = /^\d*/.exec(b.slice(j))![0];
    i += da.length;
    j += db.length;
    const diff = Number(da || '0') - Number(db || '0');
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}

function split(version: string): { epoch: number; upstream: string; revision: string } {
  const v = version.trim();
  const colon = v.indexOf(':');
  const epoch = colon > 0 ? Number(v.slice(0, colon)) : 0;
  const rest = colon > 0 ? v.slice(colon + 1) : v;
  const dash = rest.lastIndexOf('-');
  return dash > 0 ? { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) } : { epoch, upstream: rest, revision: '' };
}

export function debianVersionCompare(a: string, b: string): number {
  const x = split(a);
  const y = split(b);
  if (x.epoch !== y.epoch) return Math.sign(x.epoch - y.epoch);
  return compareFragment(x.upstream, y.upstream) || compareFragment(x.revision, y.revision);
}

export const isDebianVersion = (v: string) => /^(\d+:)?[0-9][A-Za-z0-9.+~:-]*$/.test(v.trim());
