import { describe, expect, it } from 'vitest';
import type { CheckResultsTable } from '../db/types.js';
import { decodeChecks, encodeChecks } from './check-blocks.js';

const HOUR_START = Date.parse('2026-03-01T10:00:00Z');

function row(i: number, over: Partial<CheckResultsTable> = {}): CheckResultsTable {
  return {
    monitor_id: 3,
    at: HOUR_START + i * 60_000 + (i % 7) * 13,
    status: 0,
    duration_ms: 120 + ((i * 37) % 90),
    dns_ms: 1,
    connect_ms: 10 + (i % 4),
    tls_ms: 20,
    ttfb_ms: 80 + (i % 9),
    transfer_ms: 9,
    status_code: 200,
    message: null,
    detail: JSON.stringify({ bytes: 5_000 + (i % 3), finalUrl: 'https://a.test/', remoteAddress: '203.0.113.1' }),
    ...over,
  };
}

describe('packed blocks of checks', () => {
  it('give back every row as stored: failures, new messages, status codes, missing timings, details that change', () => {
    const rows = Array.from({ length: 60 }, (_, i) => row(i));
    rows[5] = row(5, {
      status: 2,
      duration_ms: 3,
      dns_ms: null,
      connect_ms: null,
      tls_ms: null,
      ttfb_ms: null,
      transfer_ms: null,
      status_code: null,
      message: 'connection refused',
      detail: null,
    });
    rows[6] = row(6, { status: 2, message: 'connection refused', status_code: 503 });
    rows[7] = row(7, { status: 1, message: 'slow: 900 ms', detail: JSON.stringify({ bytes: 1, extra: [1, 2] }) });
    rows[8] = row(8, { detail: JSON.stringify({ other: true }) });
    rows[9] = row(9, { duration_ms: null });
    const packed = encodeChecks(HOUR_START, [...rows].reverse());
    expect(decodeChecks(3, HOUR_START, packed)).toEqual(rows);
    // Even with the body size changing at every check, far less than a row (~140 bytes with its index).
    expect(packed.length / rows.length).toBeLessThan(40);
    // Without details, the same counts and timings.
    expect(decodeChecks(3, HOUR_START, packed, false).map((r) => [r.at, r.status, r.duration_ms, r.ttfb_ms])).toEqual(
      rows.map((r) => [r.at, r.status, r.duration_ms, r.ttfb_ms]),
    );
  });

  it('keep the first of two rows with the same time, as inserting does', () => {
    const first = row(1, { message: 'first' });
    const packed = encodeChecks(HOUR_START, [first, row(1, { message: 'second' })]);
    expect(decodeChecks(3, HOUR_START, packed)).toEqual([first]);
  });
});
