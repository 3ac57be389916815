import ipaddr from 'ipaddr.js';

export interface ThrottleLimits {
  /** Wrong passwords one client may give one page per window. */
  perClient: number;
  /** Wrong passwords one page takes from everyone together per window: a spread-out guesser meets this. */
  perPage: number;
  windowMs: number;
}

export const defaultThrottleLimits: ThrottleLimits = { perClient: 10, perPage: 100, windowMs: 60_000 };

/** A client as a guesser is counted: an IPv4 address, or the /64 an IPv6 host can pick addresses from at will. */
export function clientKey(ip: string): string {
  try {
    const address = ipaddr.process(ip);
    return address.kind() === 'ipv6'
      ? `${(address as ipaddr.IPv6).parts
          .slice(0, 4)
          .map((p) => p.toString(16))
          .join(':')}::/64`
      : address.toString();
  } catch {
    return ip;
  }
}

interface Window {
  start: number;
  count: number;
}

/**
 * Wrong passwords of private status pages, however they were given (the login form, or HTTP Basic
 * auth on the page, its JSON, feeds or calendar): counted per page and client and per page, in fixed
 * windows. Past either limit every password for that page from that client is refused until the
 * window ends, the right one too, or guessing would go on behind the refusals. Visitors who are
 * logged in already (the page's cookie) are not asked for a password, so they are never throttled.
 */
export class PasswordThrottle {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly now: () => number,
    private readonly limits: ThrottleLimits = defaultThrottleLimits,
  ) {}

  /** Seconds until `ip` may give a password for page `slug` again; 0 when it may now. */
  wait(slug: string, ip: string): number {
    const now = this.now();
    const full = (key: string, limit: number) => {
      const w = this.current(key, now);
      return w && w.count >= limit ? w.start + this.limits.windowMs - now : 0;
    };
    const ms = Math.max(full(`${slug} ${clientKey(ip)}`, this.limits.perClient), full(slug, this.limits.perPage));
    return Math.ceil(ms / 1000);
  }

  /** Records a wrong password. */
  fail(slug: string, ip: string): void {
    const now = this.now();
    if (this.windows.size > 100_000) this.forgetOld(now);
    for (const key of [`${slug} ${clientKey(ip)}`, slug]) {
      const w = this.current(key, now) ?? { start: now, count: 0 };
      w.count++;
      this.windows.set(key, w);
    }
  }

  private current(key: string, now: number): Window | undefined {
    const w = this.windows.get(key);
    return w && now - w.start < this.limits.windowMs ? w : undefined;
  }

  private forgetOld(now: number): void {
    for (const [key, w] of this.windows) if (now - w.start >= this.limits.windowMs) this.windows.delete(key);
  }
}
