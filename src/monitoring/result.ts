import type { CheckResultsTable } from '../db/types.js';

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

/** The message of an ordinary success, which is not stored but rebuilt when read. */
export function defaultMessage(r: { statusCode?: number | undefined; durationMs?: number | undefined }): string {
  const took = r.durationMs === undefined ? '' : ` in ${Math.round(r.durationMs)} ms`;
  return r.statusCode ? `HTTP ${r.statusCode}${took}` : `up${took}`;
}

/** A result as one compact row: the message only when it is not the ordinary one, timings rounded to ms. */
export function toRow(r: RecordedResult): CheckResultsTable {
  const ms = (v: number | undefined) => (v === undefined ? null : Math.round(v));
  return {
    monitor_id: r.monitorId,
    at: r.at,
    status: outcomeCode[r.status],
    duration_ms: ms(r.durationMs),
    dns_ms: ms(r.timings?.dns),
    connect_ms: ms(r.timings?.connect),
    tls_ms: ms(r.timings?.tls),
    ttfb_ms: ms(r.timings?.ttfb),
    transfer_ms: ms(r.timings?.transfer),
    status_code: r.statusCode ?? null,
    message: r.status === 'up' && r.message === defaultMessage(r) ? null : r.message,
    detail: r.detail && Object.keys(r.detail).length ? JSON.stringify(r.detail) : null,
  };
}
