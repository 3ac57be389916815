import { runCheck } from '../../monitoring/checks/index.js';
import { createResolver } from '../../lib/net/index.js';
import type { Monitor } from '../../sites/sites.service.js';

export interface MonitorCheck {
  name: string;
  status: string;
  message: string;
}

const CHECK_TIMEOUT_MS = 60_000;

/**
 * Runs each of the site's monitors once, now, the way the engine would (heartbeats and paused
 * monitors are left out: they are pinged or turned off). The engine itself holds their alerts while
 * the maintenance window is open, so a run checks them on its own.
 */
export async function checkMonitors(monitors: readonly Monitor[], net: { allowPrivate: boolean; ca?: readonly string[] }): Promise<MonitorCheck[]> {
  const resolver = createResolver({ timeoutMs: 2_500, tries: 2 });
  const out: MonitorCheck[] = [];
  for (const m of monitors) {
    const spec = m.spec;
    if (spec.type === 'heartbeat' || spec.paused) continue;
    const signal = AbortSignal.timeout(CHECK_TIMEOUT_MS);
    const result = await runCheck(spec, { policy: { allowPrivate: net.allowPrivate }, resolver, signal, ...(net.ca ? { ca: net.ca } : {}) });
    out.push({ name: spec.name, status: result.status, message: result.message ?? '' });
  }
  return out;
}

/** Monitors up (or degraded) before and down now. */
export const monitorsLost = (before: readonly MonitorCheck[], after: readonly MonitorCheck[]): MonitorCheck[] =>
  after.filter((a) => a.status === 'down' && before.some((b) => b.name === a.name && b.status !== 'down'));
