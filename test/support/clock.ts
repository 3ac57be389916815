import type { Clock } from '../../src/lib/clock.js';

/** A clock the test moves by setting `t`, so time passes without waiting for it. */
export function testClock(start = 0): Clock & { t: number } {
  return {
    t: start,
    now() {
      return this.t;
    },
  };
}

/**
 * Real time, but `behind` ms behind until the test sets `behind` to 0: a runtime started on it takes
 * results from that far back (the result store keeps what comes after its first start).
 */
export function laggingClock(behind: number): Clock & { behind: number } {
  return {
    behind,
    now() {
      return Date.now() - this.behind;
    },
  };
}
