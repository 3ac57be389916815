import { httpRequest, type NetPolicy, type Resolver } from '../../lib/net/index.js';
import type { CheckResult } from '../result.js';
import { failureResult, type CheckContext, type CheckType } from './check.js';

const BOOTSTRAP = 'https://data.iana.org/rdap/dns.json';
const BOOTSTRAP_TTL = 86_400_000;
let bootstrap: { at: number; services: [string[], string[]][] } | undefined;

async function getJson(
  url: string,
  ctx: { policy: NetPolicy; resolver: Resolver; signal: AbortSignal },
  deadlineMs: number,
): Promise<{ status: number; json: unknown }> {
  const res = await httpRequest(url, {
    headers: { accept: 'application/rdap+json, application/json' },
    policy: ctx.policy,
    resolver: ctx.resolver,
    deadlineMs,
    maxRedirects: 3,
    signal: ctx.signal,
  });
  let json: unknown = null;
  try {
    json = JSON.parse(res.body.toString('utf8'));
  } catch {
    // An error page; the status says what happened.
  }
  return { status: res.status, json };
}

/** The RDAP base URL for a domain's TLD, from IANA's bootstrap registry (cached for a day). */
async function rdapBase(domain: string, ctx: CheckContext, deadlineMs: number): Promise<string | undefined> {
  if (!bootstrap || Date.now() - bootstrap.at > BOOTSTRAP_TTL) {
    const { json } = await getJson(BOOTSTRAP, { ...ctx, policy: { allowPrivate: false } }, deadlineMs);
    const services = (json as { services?: [string[], string[]][] } | null)?.services;
    if (!services) throw new Error('the IANA RDAP bootstrap registry could not be read');
    bootstrap = { at: Date.now(), services };
  }
  const labels = domain.toLowerCase().split('.');
  for (let i = 1; i < labels.length; i++) {
    const suffix = labels.slice(i).join('.');
    const service = bootstrap.services.find(([tlds]) => tlds.includes(suffix));
    if (service?.[1][0]) return service[1][0];
  }
  return undefined;
}

/** Registration expiry from RDAP: warn and critical by days left; an unregistered domain is down. */
export const domainCheck: CheckType<'domain'> = {
  async run(spec, ctx) {
    const started = performance.now();
    const domain = spec.domain.toLowerCase().replace(/\.$/, '');
    let reply: { status: number; json: unknown };
    try {
      const base = spec.rdapServer ?? (await rdapBase(domain, ctx, spec.timeout));
      if (!base) return { status: 'degraded', message: `no RDAP service is registered for .${domain.split('.').pop()}, so its expiry cannot be checked` };
      reply = await getJson(`${base.replace(/\/?$/, '/')}domain/${encodeURIComponent(domain)}`, ctx, spec.timeout);
    } catch (err) {
      return failureResult(err, started);
    }
    const durationMs = performance.now() - started;
    if (reply.status === 404) return { status: 'down', message: `${domain} is not registered (RDAP answered 404)`, durationMs, statusCode: 404 };
    if (reply.status !== 200) return { status: 'down', message: `the RDAP server answered HTTP ${reply.status}`, durationMs, statusCode: reply.status };
    const events = (reply.json as { events?: { eventAction?: string; eventDate?: string }[] } | null)?.events ?? [];
    const expiration = events.find((e) => e.eventAction === 'expiration')?.eventDate;
    const expiresAt = expiration ? Date.parse(expiration) : NaN;
    if (Number.isNaN(expiresAt)) return { status: 'up', message: `${domain} is registered; its registry publishes no expiry date`, durationMs };
    const daysLeft = Math.floor((expiresAt - Date.now()) / 86_400_000);
    const on = new Date(expiresAt).toISOString().slice(0, 10);
    const result = (status: CheckResult['status'], message: string): CheckResult => ({
      status,
      message,
      durationMs,
      detail: { expiresAt: new Date(expiresAt).toISOString(), daysLeft },
    });
    if (daysLeft < 0) return result('down', `${domain} expired on ${on}`);
    if (daysLeft <= spec.criticalDays) return result('down', `${domain} expires in ${daysLeft} day(s), on ${on}`);
    if (daysLeft <= spec.warnDays) return result('degraded', `${domain} expires in ${daysLeft} days, on ${on}`);
    return result('up', `${domain} is registered until ${on} (${daysLeft} days)`);
  },
};
