import { describe, expect, it } from 'vitest';
import type { ResultStatusCode } from '../db/types.js';
import { MINUTE, MinuteBuckets, rollUpResults, type RawRow } from './rollups.js';

const result = (monitorId: number, at: number, status: ResultStatusCode, ms: number): RawRow => ({
  monitor_id: monitorId,
  at,
  status,
  duration_ms: ms,
  dns_ms: 1,
  connect_ms: 2,
  tls_ms: null,
  ttfb_ms: ms - 3,
  transfer_ms: 0,
});

describe('minute buckets kept from one minute to the next', () => {
  it('give each minute the rows a fresh rollup gives, with nothing carried over and no row for a monitor without results', () => {
    const buckets = new MinuteBuckets();
    const minutes = [
      [result(1, 5_000, 0, 120), result(2, 7_000, 2, 900), result(1, 35_000, 0, 80), result(3, 50_000, 1, 3_000)],
      [result(1, MINUTE + 5_000, 2, 40), result(3, MINUTE + 9_000, 0, 15)],
      [result(2, 2 * MINUTE + 1_000, 0, 60)],
    ];
    minutes.forEach((rows, i) => {
      buckets.begin(i * MINUTE);
      // In two parts, as the rollup reads a minute in slices.
      buckets.add(rows.slice(0, 1));
      buckets.add(rows.slice(1));
      const byMonitor = (r: { monitor_id: number }, s: { monitor_id: number }) => r.monitor_id - s.monitor_id;
      expect([...buckets.rows()].sort(byMonitor)).toEqual(rollUpResults(rows, MINUTE).sort(byMonitor));
    });
  });
});
