/**
 * Failed logins per key (an address, an account and address, an account): after `free` failures in
 * a row each next try must wait twice as long as the one before (1 s, 2 s, 4 s … up to `maxMs`). A
 * success clears the key.
 */
export class LoginThrottle {
  private readonly entries = new Map<string, { failures: number; until: number }>();

  constructor(
    readonly free = 5,
    private readonly maxMs = 15 * 60_000,
  ) {}

  /** How long `key` must still wait, in ms (0: it may try now). */
  wait(key: string, now: number): number {
    const e = this.entries.get(key);
    return e && e.until > now ? e.until - now : 0;
  }

  /** Records a failure; returns the failures in a row and the wait now imposed. */
  fail(key: string, now: number): { failures: number; waitMs: number } {
    const e = this.entries.get(key) ?? { failures: 0, until: 0 };
    e.failures++;
    const waitMs = e.failures > this.free ? Math.min(this.maxMs, 1_000 * 2 ** (e.failures - this.free - 1)) : 0;
    e.until = now + waitMs;
    this.entries.set(key, e);
    if (this.entries.size > 100_000) this.forgetOld(now);
    return { failures: e.failures, waitMs };
  }

  clear(key: string): void {
    this.entries.delete(key);
  }

  private forgetOld(now: number): void {
    for (const [key, e] of this.entries) if (e.until < now - this.maxMs) this.entries.delete(key);
  }
}
