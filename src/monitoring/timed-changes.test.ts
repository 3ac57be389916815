import { describe, expect, it } from 'vitest';
import type { Monitor } from '../sites/sites.service.js';
import { TimedChanges } from './timed-changes.js';

const monitor = (id: number, siteName: string) => ({ id, siteName }) as Monitor;

describe('timed changes', () => {
  it('looks at the monitors only when a window begins or ends, and reports those whose cover changed', () => {
    const fleet = [monitor(1, 'Shop'), monitor(2, 'Blog'), monitor(3, 'Shop')];
    // One window over the site "Shop" in [1_000, 2_000).
    const inWindow = (at: number) => at >= 1_000 && at < 2_000;
    const timed = new TimedChanges();
    timed.useWindows({
      covers: (m, at) => m.siteName === 'Shop' && inWindow(at),
      nextChange: (at) => (at < 1_000 ? 1_000 : at < 2_000 ? 2_000 : Infinity),
    });
    let looks = 0;
    const monitors = () => {
      looks++;
      return fleet;
    };
    expect(timed.windowChanges(0, monitors)).toEqual([]);
    expect(looks).toBe(1);
    for (let t = 1; t < 1_000; t += 100) expect(timed.windowChanges(t, monitors)).toEqual([]);
    expect(looks).toBe(1);
    expect(timed.windowChanges(1_000, monitors)).toEqual([1, 3]);
    expect(timed.inMaintenance(1)).toBe(true);
    expect(timed.inMaintenance(2)).toBe(false);
    expect(timed.windowChanges(1_999, monitors)).toEqual([]);
    expect(timed.windowChanges(2_000, monitors)).toEqual([1, 3]);
    expect(timed.inMaintenance(3)).toBe(false);
    expect(looks).toBe(3);
    for (let t = 2_001; t < 100_000; t += 1_000) timed.windowChanges(t, monitors);
    expect(looks).toBe(3);
    // Edited windows: every monitor is matched again at the next look.
    timed.windowsChanged();
    timed.windowChanges(100_000, monitors);
    expect(looks).toBe(4);
  });

  it('hands out a heartbeat once its deadline passed, not again, and not after it was forgotten', () => {
    const timed = new TimedChanges();
    timed.expectPing(7, 5_000);
    timed.expectPing(8, 6_000);
    timed.forget(8);
    expect(timed.overdue(4_999)).toBeUndefined();
    expect(timed.overdue(5_000)).toBe(7);
    expect(timed.overdue(10_000)).toBeUndefined();
  });
});
