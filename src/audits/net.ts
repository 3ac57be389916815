import { AppError } from '../lib/errors.js';
import { createResolver, httpRequest, isNetError, type HttpResult, type NetPolicy, type Resolver } from '../lib/net/index.js';

/** How an audit reaches the site: always through the guarded client, with the run's policy. */
export interface AuditNetOptions {
  allowPrivate: boolean;
  /** Host names answered with a fixed address, like curl's --resolve: audit a new server before DNS moves. */
  resolve?: Record<string, string> | undefined;
  /** Extra trusted root certificates (PEM), for sites behind a private CA. */
  ca?: readonly string[] | undefined;
}

export interface FetchOptions {
  method?: string;
  headers?: Record<string, string>;
  maxRedirects?: number;
  maxBodyBytes?: number;
  deadlineMs?: number;
  /** Accept certificates that do not verify (the result still says whether it verified). */
  insecure?: boolean;
}

export interface AuditNet {
  policy: NetPolicy;
  resolver: Resolver;
  ca: readonly string[];
  fetch(url: string, opts?: FetchOptions): Promise<HttpResult>;
  /** Like fetch, but a transport failure is a result (`null` with the message), for checks that expect some. */
  tryFetch(url: string, opts?: FetchOptions): Promise<HttpResult | { error: string; kind: string }>;
}

/** A resolver that answers the overridden names itself and asks the system for the rest; every answer is still judged by the policy. */
function overridingResolver(overrides: Record<string, string>, base: Resolver = createResolver({ timeoutMs: 3_000, tries: 2 })): Resolver {
  const table = new Map(Object.entries(overrides).map(([host, ip]) => [host.toLowerCase(), ip]));
  return {
    resolve: async (host, family) => {
      const ip = table.get(host.toLowerCase());
      return ip ? [ip] : base.resolve(host, family);
    },
    resolveRecords: (host, type) => base.resolveRecords(host, type),
  };
}

/** Parses `host:ip` pairs from the command line (`--resolve fonts.googleapis.com:127.0.0.1`). */
export function parseResolveOption(pairs: readonly string[]): Record<string, string> {
  const table: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf(':');
    const host = pair.slice(0, at).trim();
    const ip = pair.slice(at + 1).trim();
    if (at <= 0 || !ip || !/^[a-z0-9.-]+$/i.test(host))
      throw new AppError('invalid_input', `--resolve expects host:address like "example.com:203.0.113.7", got "${pair}"`);
    table[host] = ip.replace(/^\[|\]$/g, '');
  }
  return table;
}

export function createAuditNet(options: AuditNetOptions): AuditNet {
  const policy: NetPolicy = { allowPrivate: options.allowPrivate };
  const resolver = overridingResolver(options.resolve ?? {});
  const ca = options.ca ?? [];
  const fetch = (url: string, opts: FetchOptions = {}) =>
    httpRequest(url, {
      policy,
      resolver,
      method: opts.method ?? 'GET',
      headers: { 'user-agent': 'Mozilla/5.0 (compatible; Upkeep audit)', accept: 'text/html,application/xhtml+xml,*/*;q=0.8', ...opts.headers },
      deadlineMs: opts.deadlineMs ?? 15_000,
      maxRedirects: opts.maxRedirects ?? 5,
      maxBodyBytes: opts.maxBodyBytes ?? 2 * 1024 * 1024,
      tls: { verify: !opts.insecure, ...(ca.length ? { ca: [...ca] } : {}) },
    });
  return {
    policy,
    resolver,
    ca,
    fetch,
    tryFetch: async (url, opts) => {
      try {
        return await fetch(url, opts);
      } catch (err) {
        if (isNetError(err)) return { error: err.message, kind: err.kind };
        throw err;
      }
    },
  };
}

/** One header's values, whatever the case of its name and however many times it was sent. */
export function headerValues(res: Pick<HttpResult, 'headers'>, name: string): string[] {
  const value = res.headers[name.toLowerCase()];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export const firstHeader = (res: Pick<HttpResult, 'headers'>, name: string): string | undefined => headerValues(res, name)[0];

export const isHttpResult = (r: HttpResult | { error: string }): r is HttpResult => !('error' in r);
