import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { PasswordThrottle } from './password-throttle.js';
import type { StatusPageSpec } from './status-page.schema.js';

const SESSION_MS = 30 * 86_400_000;

export const isPrivate = (spec: StatusPageSpec) => spec.access !== undefined;

const sha256 = (text: string) => createHash('sha256').update(text).digest();
const equal = (a: string, b: string) => timingSafeEqual(sha256(a), sha256(b));

function addressAllowed(ip: string, allow: readonly string[]): boolean {
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    address = ipaddr.process(ip);
  } catch {
    return false;
  }
  return allow.some((entry) => {
    try {
      const single = entry.includes('/') ? undefined : ipaddr.process(entry);
      const [range, bits] = single ? [single, single.kind() === 'ipv4' ? 32 : 128] : ipaddr.parseCIDR(entry);
      return range.kind() === address.kind() && address.match(range, bits);
    } catch {
      return false;
    }
  });
}

export interface Visitor {
  ip: string;
  cookies: string | undefined;
  authorization: string | undefined;
}

/**
 * What a visitor may see of a page: all of it, a password prompt, nothing (answered as if it did not
 * exist), or not now: too many wrong passwords (429 with Retry-After).
 */
export type Access = 'granted' | 'password' | 'hidden' | 'throttled';

/**
 * Who may see private pages. An address outside `allowIps` sees nothing (404, so the page's
 * existence is not confirmed); a page with a password asks for it once and remembers it in a
 * signed cookie for 30 days (changing the password ends every such session), or takes it as HTTP
 * Basic auth, which feed readers speak.
 */
export class PageAccess {
  constructor(
    private readonly key: Buffer,
    private readonly now: () => number,
    private readonly throttle: PasswordThrottle = new PasswordThrottle(now),
  ) {}

  check(spec: StatusPageSpec, visitor: Visitor): Access {
    const access = spec.access;
    if (!access) return 'granted';
    if (access.allowIps && !addressAllowed(visitor.ip, access.allowIps)) return 'hidden';
    if (access.password === undefined) return 'granted';
    const cookie = this.cookieValue(spec, visitor.cookies);
    if (cookie && this.validSession(spec, cookie)) return 'granted';
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(visitor.authorization ?? '')?.[1];
    if (!basic) return 'password';
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const given = this.verify(spec, decoded.slice(decoded.indexOf(':') + 1), visitor.ip);
    return given === 'wrong' ? 'password' : given;
  }

  /** Whether `password` opens the page for a visitor at `ip`; one throttle for the form and HTTP Basic auth. */
  verify(spec: StatusPageSpec, password: string, ip: string): 'granted' | 'wrong' | 'throttled' {
    if (this.throttle.wait(spec.slug, ip) > 0) return 'throttled';
    if (spec.access?.password !== undefined && equal(password, spec.access.password)) return 'granted';
    this.throttle.fail(spec.slug, ip);
    return 'wrong';
  }

  /** Seconds a throttled visitor must wait before giving a password again. */
  retryAfter(spec: StatusPageSpec, ip: string): number {
    return this.throttle.wait(spec.slug, ip);
  }

  cookieName(spec: StatusPageSpec): string {
    return `upkeep_status_${spec.slug.replace(/-/g, '_')}`;
  }

  /** A Set-Cookie value for a visitor who gave the right password. */
  sessionCookie(spec: StatusPageSpec, path: string, secure: boolean): string {
    const expires = this.now() + SESSION_MS;
    const value = `${expires}.${this.mac(spec, expires)}`;
    return `${this.cookieName(spec)}=${value}; Path=${path || '/'}; Max-Age=${SESSION_MS / 1000}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  }

  private cookieValue(spec: StatusPageSpec, header: string | undefined): string | undefined {
    const name = this.cookieName(spec);
    return header
      ?.split(';')
      .map((c) => c.trim())
      .find((c) => c.startsWith(`${name}=`))
      ?.slice(name.length + 1);
  }

  private validSession(spec: StatusPageSpec, value: string): boolean {
    const [expires, mac] = value.split('.');
    const at = Number(expires);
    if (!mac || !Number.isFinite(at) || at < this.now()) return false;
    return equal(mac, this.mac(spec, at));
  }

  /** Bound to the slug, the expiry and the password itself: a new password voids old sessions. */
  private mac(spec: StatusPageSpec, expires: number): string {
    return createHmac('sha256', this.key)
      .update(`${spec.slug}:${expires}:${sha256(spec.access?.password ?? '').toString('hex')}`)
      .digest('base64url');
  }
}

/** A fixed window per key (an address): at most `limit` tries per minute, against flooding inboxes. */
export class Attempts {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly now: () => number,
  ) {}

  allow(key: string): boolean {
    const now = this.now();
    const w = this.windows.get(key);
    if (!w || now - w.start >= 60_000) {
      if (this.windows.size > 10_000) this.windows.clear();
      this.windows.set(key, { start: now, count: 1 });
      return true;
    }
    w.count++;
    return w.count <= this.limit;
  }
}
