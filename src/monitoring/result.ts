/** What one check found. A target that is down is a result like any other, never an exception. */
export type Outcome = 'up' | 'degraded' | 'down';

export interface Timings {
  dns?: number;
  connect?: number;
  tls?: number;
  ttfb?: number;
  transfer?: number;
}

export interface CheckResult {
  status: Outcome;
  /** For people: "200 OK in 84 ms", "connection refused by 10.0.0.5:443", "keyword "Add to cart" not found". */
  message: string;
  durationMs?: number;
  timings?: Timings;
  statusCode?: number;
  /** Evidence and facts worth keeping: bytes, final URL, certificate expiry, DNS answers… */
  detail?: Record<string, unknown>;
}

/** A result as stored: which monitor, and when the check started (ms). */
export interface RecordedResult extends CheckResult {
  monitorId: number;
  at: number;
}

export const outcomeCode = { up: 0, degraded: 1, down: 2 } as const satisfies Record<Outcome, 0 | 1 | 2>;
export const outcomeOf = ['up', 'degraded', 'down'] as const satisfies readonly Outcome[];
