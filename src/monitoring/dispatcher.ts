import type { Monitor } from '../sites/sites.service.js';
import type { CheckResult } from './result.js';

/** One check to run now. */
export interface CheckJob {
  monitor: Monitor;
  /** Whether loopback and private addresses may be reached (globally, or for this monitor). */
  allowPrivate: boolean;
  /** Aborted when the monitor's timeout passes (or the process stops). */
  signal: AbortSignal;
}

/**
 * Runs checks. The engine only talks to this interface: the local dispatcher runs checks in this
 * process; a distributed one (BullMQ workers over Redis) can take its place without touching checks.
 * `run` never throws: a failure of any kind is a `down` result with a message. It answers null when
 * it has nothing to say (a monitor checked from locations none of which has reported lately).
 */
export interface Dispatcher {
  run(job: CheckJob): Promise<CheckResult | null>;
}
