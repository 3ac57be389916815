import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { clientKey } from '../status-pages/password-throttle.js';

const DAY = 86_400_000;

/** Why a form token was not good, in words a visitor can act on. */
export type TokenProblem = 'forged' | 'expired' | 'too soon' | 'used';

/**
 * Signed form tokens: the site, when the form was shown and a nonce, with an HMAC under a key
 * derived from the instance key. A report needs one that is genuine, for its site, not older than
 * `ttl`, at least `minFill` old (people read before they write; scripts post at once) and not used
 * before (nonces are remembered until their token expires). Nothing is stored in the visitor's browser.
 */
export class FormTokens {
  private readonly used = new Map<string, number>();

  constructor(
    private readonly key: Buffer,
    private readonly now: () => number,
  ) {}

  issue(siteId: number): string {
    const body = `${siteId.toString(36)}.${this.now().toString(36)}.${randomBytes(9).toString('base64url')}`;
    return `${body}.${this.mac(body)}`;
  }

  /** Takes a token for one report; the problem when it is no good. */
  take(token: string, siteId: number, limits: { minFillMs: number; ttlMs: number }): TokenProblem | undefined {
    const parts = token.split('.');
    const body = parts.slice(0, 3).join('.');
    const mac = parts[3] ?? '';
    const expected = this.mac(body);
    if (parts.length !== 4 || mac.length !== expected.length || !timingSafeEqual(Buffer.from(mac), Buffer.from(expected))) return 'forged';
    if (parseInt(parts[0]!, 36) !== siteId) return 'forged';
    const now = this.now();
    const issued = parseInt(parts[1]!, 36);
    if (now - issued > limits.ttlMs) return 'expired';
    if (now - issued < limits.minFillMs) return 'too soon';
    if (this.used.has(parts[2]!)) return 'used';
    this.forgetExpired(now);
    this.used.set(parts[2]!, issued + limits.ttlMs);
    return undefined;
  }

  private forgetExpired(now: number): void {
    if (this.used.size < 10_000) return;
    for (const [nonce, until] of this.used) if (until < now) this.used.delete(nonce);
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest().subarray(0, 16).toString('base64url');
  }
}

/**
 * Who sent a report, without keeping their address: a hash of the address (its /64 for IPv6) with a
 * random salt that lives in memory for one UTC day. Reports of one sender on one day can be told
 * apart from others'; nobody, not even with the database and the instance key, can get the address back.
 */
export class DailySalt {
  private day = -1;
  private salt = Buffer.alloc(0);

  constructor(private readonly now: () => number) {}

  reporter(ip: string): string {
    const day = Math.floor(this.now() / DAY);
    if (day !== this.day) {
      this.day = day;
      this.salt = randomBytes(32);
    }
    return createHash('sha256').update(this.salt).update(clientKey(ip)).digest().subarray(0, 12).toString('base64url');
  }
}
