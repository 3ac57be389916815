import { quote } from '../../lib/evidence.js';
import { httpRequest } from '../../lib/net/index.js';
import type { CheckResult } from '../result.js';
import { checkHeaders, checkJson, compileRegex, statusAccepted } from './assertions.js';
import { failureResult, ms, type CheckType } from './check.js';

const MAX_BODY = 1024 * 1024;
const URL_CHARS = 200;
const statusText = (code: number) => `HTTP ${code}`;

/** An HTTP(S) request with phase timings, then the assertions: status, keywords, regex, JSON, headers, speed. */
export const httpCheck: CheckType<'http'> = {
  async run(spec, ctx) {
    const started = performance.now();
    const headers: Record<string, string> = { ...(ctx.userAgent ? { 'user-agent': ctx.userAgent } : {}), ...spec.headers };
    if (spec.auth?.type === 'basic') headers.authorization = `Basic ${Buffer.from(`${spec.auth.username}:${spec.auth.password}`).toString('base64')}`;
    if (spec.auth?.type === 'bearer') headers.authorization = `Bearer ${spec.auth.token}`;
    let res;
    try {
      res = await httpRequest(spec.url, {
        method: spec.method,
        headers,
        ...(spec.body === undefined ? {} : { body: spec.body }),
        policy: ctx.policy,
        resolver: ctx.resolver,
        deadlineMs: spec.timeout,
        maxRedirects: spec.followRedirects ? spec.maxRedirects : 0,
        maxBodyBytes: MAX_BODY,
        tls: { verify: spec.tls?.verify ?? true, ...(ctx.ca ? { ca: ctx.ca } : {}) },
        family: spec.ipFamily === 'ipv4' ? 4 : spec.ipFamily === 'ipv6' ? 6 : 'auto',
        signal: ctx.signal,
      });
    } catch (err) {
      return failureResult(err, started);
    }
    const t = res.timings;
    const timings = { dns: t.dns, connect: t.connect, tls: t.tls, ttfb: t.ttfb, transfer: t.transfer };
    const cert = res.tls?.certificate;
    // URLs a target redirected to and its certificate's issuer are its words: kept as short quotes.
    const detail: Record<string, unknown> = {
      bytes: res.bytesReceived,
      finalUrl: quote(res.finalUrl, URL_CHARS),
      remoteAddress: res.remoteAddress,
      ...(res.redirects.length ? { redirects: res.redirects.map((r) => ({ url: quote(r.url, URL_CHARS), status: r.status })) } : {}),
      ...(res.bodyTruncated ? { truncated: true } : {}),
      ...(res.tls && cert ? { tls: { protocol: res.tls.protocol, validTo: cert.validTo, daysLeft: cert.daysLeft, issuer: quote(cert.issuer) } } : {}),
    };
    const base = { durationMs: t.total, timings, statusCode: res.status, detail };
    const fail = (message: string): CheckResult => ({ status: 'down', message: `${message} (${statusText(res.status)} in ${ms(t.total)})`, ...base });

    const expect = spec.expect ?? {};
    if (!statusAccepted(res.status, expect.status)) return fail(`status ${res.status} is not accepted (expected ${expect.status?.join(', ') ?? '200-299'})`);
    const body = expect.contains || expect.notContains || expect.regex || expect.json ? res.body.toString('utf8') : '';
    const within = res.bodyTruncated ? ' in the first 1 MiB of the body' : '';
    if (expect.contains && !body.includes(expect.contains)) return fail(`keyword ${JSON.stringify(expect.contains)} not found${within}`);
    if (expect.notContains && body.includes(expect.notContains)) return fail(`unwanted keyword ${JSON.stringify(expect.notContains)} found`);
    if (expect.regex && !compileRegex(expect.regex).matcher(body).find()) return fail(`no match for /${expect.regex}/${within}`);
    const jsonFailure = expect.json && checkJson(body, expect.json);
    if (jsonFailure) return fail(jsonFailure);
    const headerFailure = expect.headers && checkHeaders(res.headers, expect.headers);
    if (headerFailure) return fail(headerFailure);
    if (spec.degradedAfter !== undefined && t.total > spec.degradedAfter) {
      return { status: 'degraded', message: `${statusText(res.status)} in ${ms(t.total)}, slower than ${ms(spec.degradedAfter)}`, ...base };
    }
    return { status: 'up', message: `${statusText(res.status)} in ${ms(t.total)}`, ...base };
  },
};
