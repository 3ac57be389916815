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
