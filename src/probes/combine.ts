import type { CheckResult, Outcome } from '../monitoring/result.js';

/** The latest thing one location saw of a monitor. */
export interface LocationResult {
  location: string;
  at: number;
  status: Outcome;
  message: string;
  durationMs?: number | undefined;
  statusCode?: number | undefined;
}

/** A location as the monitor shows it: its latest result, or "unavailable" when it has said nothing for 3 intervals. */
export type LocationView = { location: string; status: 'unavailable'; at: number | null } | (LocationResult & { status: Outcome });

/** Results older than this many intervals say nothing: their location is unavailable. */
export const SILENT_INTERVALS = 3;

/**
 * Each of a monitor's locations with its latest result, or unavailable.
 *
 * @example locationViews(['eu-north', 'us-east'], latest, now, 60_000)
 */
export function locationViews(locations: readonly string[], latest: ReadonlyMap<string, LocationResult>, now: number, intervalMs: number): LocationView[] {
  return locations.map((location) => {
    const r = latest.get(location);
    if (!r || now - r.at > SILENT_INTERVALS * intervalMs) return { location, status: 'unavailable', at: r?.at ?? null };
    return r;
  });
}

const median = (values: number[]): number | undefined => {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
};

const names = (views: readonly { location: string }[]) => views.map((v) => v.location).join(', ');

/**
 * One result from a monitor's locations (k of n): down when at least `quorum` locations see it down,
 * degraded when `quorum` see it degraded or down, else up. Unavailable locations count neither way;
 * when none is available there is nothing to say (null: nothing is recorded). The message names the
 * locations that see a problem, so the incident does too.
 */
export function combine(views: readonly LocationView[], quorum: number): CheckResult | null {
  const available = views.filter((v): v is LocationResult => v.status !== 'unavailable');
  if (!available.length) return null;
  const down = available.filter((v) => v.status === 'down');
  const bad = available.filter((v) => v.status !== 'up');
  const silent = views.filter((v) => v.status === 'unavailable');
  const durationMs = median(available.flatMap((v) => (v.durationMs === undefined ? [] : [v.durationMs])));
  const of = `${views.length} location${views.length === 1 ? '' : 's'}`;
  const aside = silent.length ? `; unavailable: ${names(silent)}` : '';
  const base = { ...(durationMs === undefined ? {} : { durationMs }) };
  if (down.length >= quorum) {
    const first = down[0]!;
    return {
      status: 'down',
      message: `down in ${names(down)} (${down.length} of ${of}${aside}): ${first.message}`,
      ...base,
      ...(first.statusCode === undefined ? {} : { statusCode: first.statusCode }),
      detail: { locations: down.map((v) => v.location) },
    };
  }
  if (bad.length >= quorum) return { status: 'degraded', message: `degraded in ${names(bad)} (${bad.length} of ${of}${aside}): ${bad[0]!.message}`, ...base };
  const note = bad.length ? `; ${bad.map((v) => `${v.status} in ${v.location}`).join(', ')} (below the quorum of ${quorum})` : '';
  return { status: 'up', message: `up in ${names(available.filter((v) => v.status === 'up'))} of ${of}${note}${aside}`, ...base };
}
