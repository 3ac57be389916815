import { z } from 'zod';
import { versionSchemes, type VersionScheme } from './index.js';

/**
 * Affected ranges as OSV writes them (https://ossf.github.io/osv-schema/#affectedranges-field):
 * SEMVER and ECOSYSTEM ranges of `introduced` / `fixed` / `last_affected` events, plus an explicit
 * `versions` list. `INTERVAL` is ours, for feeds that give bounds with their own inclusiveness
 * (Wordfence's `from_inclusive`/`to_inclusive`), which OSV events cannot say.
 */
const event = z.union([
  z.object({ introduced: z.string() }),
  z.object({ fixed: z.string() }),
  z.object({ last_affected: z.string() }),
  z.object({ limit: z.string() }),
]);
export const affectedRangeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.enum(['SEMVER', 'ECOSYSTEM']), events: z.array(event) }),
  z.object({
    type: z.literal('INTERVAL'),
    from: z.string().optional(),
    fromInclusive: z.boolean().default(true),
    to: z.string().optional(),
    toInclusive: z.boolean().default(false),
  }),
]);
export type AffectedRange = z.output<typeof affectedRangeSchema>;
type RangeEvent = z.output<typeof event>;

const valueOf = (e: RangeEvent): string => ('introduced' in e ? e.introduced : 'fixed' in e ? e.fixed : 'last_affected' in e ? e.last_affected : e.limit);

function inEvents(version: string, events: readonly RangeEvent[], scheme: VersionScheme): boolean {
  // OSV's evaluation: walk the events in version order; "introduced" opens, "fixed" and "last_affected" close.
  const at = (e: RangeEvent) => ('introduced' in e && e.introduced === '0' ? -1 : 0);
  const sorted = [...events].filter((e) => !('limit' in e)).sort((a, b) => at(a) - at(b) || scheme.compare(valueOf(a), valueOf(b)));
  let affected = false;
  for (const e of sorted) {
    if ('introduced' in e) {
      if (e.introduced === '0' || scheme.compare(version, e.introduced) >= 0) affected = true;
    } else if ('fixed' in e) {
      if (scheme.compare(version, e.fixed) >= 0) affected = false;
    } else if ('last_affected' in e && scheme.compare(version, e.last_affected) > 0) affected = false;
  }
  return affected;
}

function inInterval(version: string, r: Extract<AffectedRange, { type: 'INTERVAL' }>, scheme: VersionScheme): boolean {
  const bound = (b: string | undefined) => (b === undefined || b === '*' || b === '' ? undefined : b);
  const from = bound(r.from);
  const to = bound(r.to);
  if (from !== undefined) {
    const c = scheme.compare(version, from);
    if (c < 0 || (c === 0 && !r.fromInclusive)) return false;
  }
  if (to !== undefined) {
    const c = scheme.compare(version, to);
    if (c > 0 || (c === 0 && !r.toInclusive)) return false;
  }
  return true;
}

/** Whether `version` is affected: listed explicitly, or inside any range. SEMVER ranges use semver whatever the ecosystem. */
export function isAffected(
  version: string,
  affected: { ranges?: readonly AffectedRange[] | undefined; versions?: readonly string[] | undefined },
  scheme: VersionScheme,
): boolean {
  if (affected.versions?.some((v) => v === version || scheme.compare(v, version) === 0)) return true;
  return (affected.ranges ?? []).some((r) =>
    r.type === 'INTERVAL' ? inInterval(version, r, scheme) : inEvents(version, r.events, r.type === 'SEMVER' ? versionSchemes.semver : scheme),
  );
}

/** The versions that close the ranges `version` is in: what to upgrade to, smallest first. */
export function fixesFor(version: string, ranges: readonly AffectedRange[], scheme: VersionScheme): string[] {
  const fixes = new Set<string>();
  for (const r of ranges) {
    if (r.type === 'INTERVAL') {
      // An inclusive upper bound is the last affected version, not a fix.
      if (r.to && !r.toInclusive && inInterval(version, r, scheme)) fixes.add(r.to);
      continue;
    }
    const s = r.type === 'SEMVER' ? versionSchemes.semver : scheme;
    for (const e of r.events) if ('fixed' in e && s.compare(e.fixed, version) > 0 && inEvents(version, r.events, s)) fixes.add(e.fixed);
  }
  return [...fixes].sort((a, b) => scheme.compare(a, b));
}
