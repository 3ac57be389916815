import type { MaintenanceSpec } from '../incidents/incidents.schema.js';
import { activeAt, occurrences } from '../incidents/maintenance.js';
import type { PendingUpdate } from './pending.js';
import type { UpdatePolicy } from './policy.js';

const DAY = 86_400_000;
/** How far ahead the next occurrence is looked for, nearest first (a yearly window is found, a never-again one is not). */
const LOOK_AHEAD = [DAY, 32 * DAY, 367 * DAY];

/** When a window is next open: `now` while it is, else the start of its next occurrence; null when it has none. */
export function nextOpening(spec: MaintenanceSpec, now: number): number | null {
  if (activeAt(spec, now)) return now;
  for (const span of LOOK_AHEAD) {
    const next = occurrences(spec, now, now + span).find((o) => o.start >= now);
    if (next) return next.start;
  }
  return null;
}

/** What an approved run of a policy does: start now, or wait for a window (open next at `next`, null: never again). */
export type Start = { now: true } | { now: false; window: string; next: number | null };

/**
 * Whether an approved run starts now: always without a `when`; inside its window; outside it only
 * when it fixes a vulnerability and the policy lets security fixes skip the wait.
 */
export function startOf(policy: UpdatePolicy, updates: readonly PendingUpdate[], window: MaintenanceSpec | undefined, now: number): Start {
  if (policy.when === undefined) return { now: true };
  if (policy.securitySkipsWait && updates.some((u) => u.kind === 'security')) return { now: true };
  const next = window ? nextOpening(window, now) : null;
  return next === now ? { now: true } : { now: false, window: policy.when, next };
}
