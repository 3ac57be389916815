import type { CheckJob, Dispatcher } from '../monitoring/dispatcher.js';
import type { CheckResult } from '../monitoring/result.js';
import type { Clock } from '../lib/clock.js';
import { combine, locationViews, SILENT_INTERVALS, type LocationResult, type LocationView } from './combine.js';
import { LOCAL, quorumOf } from '../monitoring/locations.js';

/** The latest results probes sent for a monitor since a time, newest first. */
export type ProbeResultsSource = (monitorId: number, since: number) => Promise<LocationResult[]>;

/**
 * The engine's dispatcher for monitors with `locations:`: runs the check here for "local", reads
 * what the probes sent for the others, and answers the k-of-n result (`combine`). Monitors without
 * locations go straight to the inner dispatcher. The engine schedules, confirms and alerts on the
 * combined result like any other, so incidents come from the usual path.
 */
export class LocatedDispatcher implements Dispatcher {
  private readonly views = new Map<number, LocationView[]>();

  constructor(
    private readonly inner: Dispatcher,
    private readonly probeResults: ProbeResultsSource,
    private readonly clock: Clock,
  ) {}

  async run(job: CheckJob): Promise<CheckResult | null> {
    const spec = job.monitor.spec;
    if (spec.type === 'heartbeat' || !spec.locations) return this.inner.run(job);
    const local = spec.locations.includes(LOCAL) ? await this.inner.run(job) : null;
    const now = this.clock.now();
    let sent: LocationResult[];
    try {
      sent = await this.probeResults(job.monitor.id, now - SILENT_INTERVALS * spec.interval);
    } catch {
      // The database is away: the probes' results are unknown, which says nothing about the target.
      sent = [];
    }
    const latest = new Map<string, LocationResult>();
    for (const r of sent) if (!latest.has(r.location)) latest.set(r.location, r);
    if (local) latest.set(LOCAL, { location: LOCAL, at: now, ...local });
    const views = locationViews(spec.locations, latest, now, spec.interval);
    this.views.set(job.monitor.id, views);
    return combine(views, quorumOf(spec));
  }

  /** What each location of a monitor saw at its last check here (undefined: not checked from locations on this node). */
  locationsOf(monitorId: number): readonly LocationView[] | undefined {
    return this.views.get(monitorId);
  }
}
